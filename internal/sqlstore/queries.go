package sqlstore

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
)

//go:embed queries
var queryFS embed.FS

// queries holds every named query. Each area of the store embeds its own
// struct; a field's `q` tag names the query in queries/*.sql. Open fails when
// any tagged query is missing for the active dialect, so a missing query is a
// start-up error, not a runtime surprise.
type queries struct {
	settingQueries
	orgQueries
	userQueries
	authQueries
	customerQueries
	subQueries
	auditQueries
	idemQueries
	demoQueries
	taskQueries
	worklogQueries
	surveyQueries
	ticketQueries
	ticketPublicQueries
	complaintAnalyticsQueries
	importQueries
	duplicateQueries
	exportQueries
	outboxQueries
	jobQueries
	appointmentQueries
	careQueries
	renewalQueries
}

// parseQueryFile reads "-- name: x" blocks from a .sql file.
func parseQueryFile(text string, into map[string]string) error {
	var name string
	var b strings.Builder
	flush := func() {
		if name != "" {
			into[name] = strings.TrimSpace(b.String())
		}
		b.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(n)
			if _, dup := into[name]; dup {
				return fmt.Errorf("query %q defined twice", name)
			}
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	flush()
	return sc.Err()
}

func readQueries(dir string) (map[string]string, error) {
	out := map[string]string{}
	entries, err := fs.ReadDir(queryFS, dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(queryFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		if err := parseQueryFile(string(b), out); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", dir, e.Name(), err)
		}
	}
	return out, nil
}

// loadQueries fills a queries struct: the dialect's own file wins over the
// portable one, and ? placeholders are rebound for PostgreSQL.
func loadQueries(d Dialect) (queries, error) {
	var q queries
	common, err := readQueries("queries")
	if err != nil {
		return q, err
	}
	own, err := readQueries("queries/" + string(d))
	if err != nil {
		return q, err
	}
	for k, v := range own {
		common[k] = v
	}
	var missing []string
	fill(reflect.ValueOf(&q).Elem(), func(name string) (string, bool) {
		text, ok := common[name]
		if !ok {
			missing = append(missing, name)
			return "", false
		}
		if d == Postgres {
			text = rebindDollar(text)
		}
		return text, true
	})
	if len(missing) > 0 {
		return q, fmt.Errorf("sqlstore: queries missing for %s: %s", d, strings.Join(missing, ", "))
	}
	return q, nil
}

func fill(v reflect.Value, get func(string) (string, bool)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			fill(v.Field(i), get)
			continue
		}
		if name := f.Tag.Get("q"); name != "" {
			if text, ok := get(name); ok {
				v.Field(i).SetString(text)
			}
		}
	}
}

// queryNames lists every tagged query name (for the unused-query test).
func queryNames() []string {
	var names []string
	fill(reflect.ValueOf(&queries{}).Elem(), func(name string) (string, bool) {
		names = append(names, name)
		return "", false
	})
	return names
}
