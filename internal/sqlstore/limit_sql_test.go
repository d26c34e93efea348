package sqlstore

import (
	"regexp"
	"strings"
	"testing"
)

func TestWithLimit(t *testing.T) {
	q := "SELECT id FROM t WHERE a = ? ORDER BY id LIMIT " + limitMark
	if got, want := withLimit(q, 21), "SELECT id FROM t WHERE a = ? ORDER BY id LIMIT 21"; got != want {
		t.Errorf("withLimit = %q, want %q", got, want)
	}
	if got := withLimit(rebindDollar(q), 5); got != "SELECT id FROM t WHERE a = $1 ORDER BY id LIMIT 5" {
		t.Errorf("after rebinding: %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("withLimit accepted a query without the marker")
		}
	}()
	withLimit("SELECT id FROM t", 5)
}

// TestNamedQueriesWriteLimits checks every named query of both dialects:
// none binds its LIMIT (SQLite compiles such a statement twice a run), and
// the limit marker stands only where withLimit expects it, at most once.
func TestNamedQueriesWriteLimits(t *testing.T) {
	bound := regexp.MustCompile(`(?i)\bLIMIT\s+(\?|\$[0-9]+)`)
	for _, d := range []Dialect{SQLite, Postgres} {
		qs, err := readQueries("queries")
		if err != nil {
			t.Fatal(err)
		}
		own, err := readQueries("queries/" + string(d))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range own {
			qs[k] = v
		}
		marked := 0
		for name, text := range qs {
			if bound.MatchString(text) {
				t.Errorf("%s %s binds its LIMIT; write LIMIT %s and call withLimit", d, name, limitMark)
			}
			if n := strings.Count(text, limitMark); n > 0 {
				marked++
				if n > 1 || !strings.Contains(text, "LIMIT "+limitMark) {
					t.Errorf("%s %s: the limit marker must appear once, as LIMIT %s", d, name, limitMark)
				}
			}
		}
		if marked == 0 {
			t.Errorf("%s: no query carries the limit marker", d)
		}
	}
}
