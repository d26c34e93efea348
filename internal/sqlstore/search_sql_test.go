package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/search"
)

func TestSearchSQL(t *testing.T) {
	eachTestEngine(t, func(t *testing.T, s *Store) {
		seedOrg(t, s)
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, c := range []struct{ name, mobile string }{
			{"张三", "13800138000"}, {"张三丰", "13900008000"}, {"曾国藩", "13700001234"}, {"单志强", ""},
			{"王五有限公司", "0571-87654321"}, {"李四", "18612345678"}, {"张_%", ""},
		} {
			insertCustomer(t, s, testCustomer{id: int64(i + 1), kind: "person", name: c.name, stage: "customer",
				owner: 1, created: at, mobile: c.mobile})
		}
		cases := []struct {
			q    string
			want []int64
		}{
			{"张", []int64{1, 2, 7}},
			{"张三", []int64{1, 2}},
			{"张三丰", []int64{2}},
			{"三丰", []int64{2}},
			{"zs", []int64{1, 2}},
			{"zsf", []int64{2}},
			{"sanfeng", []int64{2}},
			{"zhang san", []int64{1, 2}},
			{"zeng", []int64{3}},
			{"ceng", []int64{3}},
			{"shanzhiqiang", []int64{4}},
			{"有限公司", []int64{5}},
			{"8000", []int64{1, 2}},
			{"13800138000", []int64{1}},
			{"138001", []int64{1}},
			{"87654321", []int64{5}},
			{"KH00000003", []int64{3}},
			{"kh0000000", []int64{1, 2, 3, 4, 5, 6, 7}},
			{"张 8000", []int64{1, 2}},
			{"张三 zsf", []int64{2}},
			{"李 8000", nil},
			{"张_%", []int64{1, 2, 7}}, // _ and % separate words: only the 张 unigram remains
			{"", []int64{1, 2, 3, 4, 5, 6, 7}},
		}
		for _, c := range cases {
			pred, args, err := s.searchSQL(c.q, "c")
			if err != nil {
				t.Fatalf("%q: %v", c.q, err)
			}
			if got := queryIDs(t, s, pred, args); !slices.Equal(got, c.want) {
				t.Errorf("%q: got %v want %v (%s %v)", c.q, got, c.want, pred, args)
			}
		}
		if p, a, _ := s.searchSQL("  ", "c"); p != "1=1" || a != nil {
			t.Errorf("empty: %q %v", p, a)
		}
		// LIKE confirmation escapes wildcards.
		if _, args, _ := s.searchSQL("张三丰", "c"); args[len(args)-1] != "%张三丰%" {
			t.Errorf("like arg %v", args)
		}
		if got := escapeLike(`a%b_c\`); got != `a\%b\_c\\` {
			t.Errorf("escapeLike = %q", got)
		}
	})
}

// Synthetic names: surnames with roughly their real frequency (张 ≈ 10% so
// a one-character query is a common case) and given names of one or two
// characters from a pool of common ones.
var (
	benchSurnames = []struct {
		s string
		w int
	}{{"张", 100}, {"王", 75}, {"李", 74}, {"刘", 55}, {"陈", 54}, {"杨", 31}, {"黄", 22}, {"赵", 21},
		{"吴", 20}, {"周", 19}, {"徐", 15}, {"孙", 14}, {"马", 13}, {"朱", 12}, {"胡", 12}, {"郭", 11},
		{"何", 10}, {"高", 10}, {"林", 10}, {"罗", 9}, {"郑", 9}, {"梁", 9}, {"谢", 8}, {"宋", 7},
		{"唐", 7}, {"曾", 6}, {"单", 2}, {"解", 1}, {"仇", 1}, {"查", 1}, {"乐", 1}, {"尉迟", 1}, {"欧阳", 1}}
	benchGiven = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁" +
		"龙林欢阳建国建华建军志强志明志勇文华文斌晓东晓明晓燕海燕海涛春梅春花秋菊冬梅子涵梓萱一诺欣怡浩然宇轩思远")
)

type benchCustomer struct {
	name, mobile string
	tokens       []string
}

func benchCustomers(n int, seed uint64) []benchCustomer {
	r := rand.New(rand.NewPCG(seed, 7))
	total := 0
	for _, s := range benchSurnames {
		total += s.w
	}
	out := make([]benchCustomer, n)
	for i := range out {
		x := r.IntN(total)
		sur := ""
		for _, s := range benchSurnames {
			if x -= s.w; x < 0 {
				sur = s.s
				break
			}
		}
		name := sur + string(benchGiven[r.IntN(len(benchGiven))])
		if r.IntN(3) > 0 {
			name += string(benchGiven[r.IntN(len(benchGiven))])
		}
		mobile := fmt.Sprintf("1%d%09d", 3+r.IntN(7), i)
		out[i] = benchCustomer{name: name, mobile: mobile,
			tokens: search.CustomerTokens(name, fmt.Sprintf("KH%08d", i+1), "", mobile)}
	}
	return out
}

// insertRows inserts rows with multi-row VALUES statements in one
// transaction per batch (the same loader for every index kind).
func insertRows(tb testing.TB, s *Store, head string, width int, rows [][]any) {
	insertRowsPh(tb, s, head, "("+strings.TrimSuffix(strings.Repeat("?, ", width), ", ")+")", rows)
}

// insertRowsPh is insertRows with a custom placeholder group per row.
func insertRowsPh(tb testing.TB, s *Store, head, ph string, rows [][]any) {
	tb.Helper()
	const per = 500
	ctx := context.Background()
	for lo := 0; lo < len(rows); lo += per * 20 {
		tx, err := s.w.BeginTxx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		for b := lo; b < min(lo+per*20, len(rows)); b += per {
			chunk := rows[b:min(b+per, len(rows), lo+per*20)]
			q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(ph+", ", len(chunk)), ", ")
			var args []any
			for _, r := range chunk {
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, s.rebind(q), args...); err != nil {
				tx.Rollback()
				tb.Fatalf("%s: %v", head, err)
			}
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
}

func loadBenchCustomers(tb testing.TB, s *Store, cs []benchCustomer) {
	seedOrg(tb, s)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{int64(i + 1), fmt.Sprintf("KH%08d", i+1), "person", c.name, c.mobile, "customer", int64(1 + i%2), at, at}
	}
	insertRows(tb, s, "INSERT INTO customers (id, number, kind, name, mobile, stage, owner_id, created_at, updated_at)", 9, rows)
}

func loadTokenTable(tb testing.TB, s *Store, cs []benchCustomer) (int, time.Duration) {
	start := time.Now()
	var rows [][]any
	for i, c := range cs {
		for _, t := range c.tokens {
			rows = append(rows, []any{t, int64(i + 1)})
		}
	}
	insertRows(tb, s, "INSERT INTO customer_tokens (token, customer_id)", 2, rows)
	return len(rows), time.Since(start)
}

func analyze(tb testing.TB, s *Store) {
	mustExec(tb, s, "ANALYZE")
}

// explain returns the query plan text of q on either engine.
func explain(tb testing.TB, s *Store, q string, args []any) string {
	tb.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == Postgres {
		prefix = "EXPLAIN "
	}
	rows, err := s.r.QueryContext(context.Background(), s.rebind(prefix+q), args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintln(&b, vals[len(vals)-1])
	}
	return b.String()
}

// listQuery is the lead's customer list shape with the search predicate.
func listQuery(pred string) string {
	return "SELECT c.id, c.name FROM customers c WHERE c.deleted_at IS NULL AND 1=1 AND " + pred + " ORDER BY c.id DESC LIMIT ?"
}

// TestSearchPlanUsesTokenKey checks on both engines that 1- and 2-character,
// initials and phone searches read customer_tokens through its primary key.
func TestSearchPlanUsesTokenKey(t *testing.T) {
	eachTestEngine(t, func(t *testing.T, s *Store) {
		loadBenchCustomers(t, s, benchCustomers(5000, 1))
		loadTokenTable(t, s, benchCustomers(5000, 1))
		if s.dialect == Postgres {
			analyze(t, s) // autovacuum would do this soon after a load
		}
		for _, q := range []string{"张", "张伟", "zw", "zhangw", "8000", "13800000001", "张三丰"} {
			pred, args, err := s.searchSQL(q, "c")
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, listQuery(pred), append(args, 21))
			ok := strings.Contains(plan, "customer_tokens USING PRIMARY KEY") ||
				// EXISTS probes for a very common surname: both key columns.
				strings.Contains(plan, "customer_tokens EXISTS USING COVERING INDEX customer_tokens_customer (customer_id=? AND token=?)")
			if s.dialect == Postgres {
				ok = strings.Contains(plan, "customer_tokens_pkey")
			}
			if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") || strings.Contains(plan, "Seq Scan on customer") {
				ok = false
			}
			if !ok {
				t.Errorf("%q does not use the token key:\n%s", q, plan)
			}
			if testing.Verbose() {
				t.Logf("%q:\n%s", q, plan)
			}
		}
	})
}

// benchQueries draws realistic queries of each class from the data.
func benchQueries(cs []benchCustomer, class string, n int) []string {
	r := rand.New(rand.NewPCG(99, 1))
	out := make([]string, 0, n)
	for len(out) < n {
		c := cs[r.IntN(len(cs))]
		rs := []rune(c.name)
		switch class {
		case "1char":
			out = append(out, string(rs[0]))
		case "2char":
			out = append(out, string(rs[:2]))
		case "3char":
			if len(rs) >= 3 {
				out = append(out, string(rs[:3]))
			}
		case "initials":
			var in strings.Builder
			for _, p := range strings.Fields(search.Spell(c.name)) {
				in.WriteByte(p[0])
			}
			out = append(out, in.String())
		case "pinyin":
			p := strings.Fields(search.Spell(c.name))
			out = append(out, p[0]+p[1][:1])
		case "last4":
			out = append(out, c.mobile[7:])
		}
	}
	return out
}

// ftsQuery turns the Go query groups into an FTS5 MATCH expression (SQLite)
// or a tsquery (PostgreSQL): groups ANDed, terms ORed, prefixes with * / :*.
func ftsQuery(pg bool, q string) string {
	var groups []string
	for _, g := range search.ParseQuery(q) {
		var terms []string
		for _, t := range g {
			if pg {
				term := "'" + strings.ReplaceAll(t.Token, "'", "''") + "'"
				if t.Prefix {
					term += ":*"
				}
				terms = append(terms, term)
				continue
			}
			term := `"` + strings.ReplaceAll(t.Token, `"`, `""`) + `"`
			if t.Prefix {
				term += " *"
			}
			terms = append(terms, term)
		}
		groups = append(groups, "("+strings.Join(terms, " OR ")+")")
	}
	if pg {
		return strings.ReplaceAll(strings.Join(groups, " & "), " OR ", " | ")
	}
	return strings.Join(groups, " AND ")
}

// BenchmarkSearchIndex compares the token table (as searchSQL builds it,
// and with every group forced to IN or to EXISTS)
// with an FTS5 (SQLite) / tsvector+GIN (PostgreSQL) index over the same Go
// tokens, on GUANXI_BENCH_CUSTOMERS synthetic customers (default 100000),
// through the customer list query shape. Build times are logged; each
// query benchmark reports the mean and p95 in ms. See docs/search-index.md.
func BenchmarkSearchIndex(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("GUANXI_BENCH_CUSTOMERS")); err == nil && v > 0 {
		n = v
	}
	cs := benchCustomers(n, 1)
	for _, engine := range testEngines {
		b.Run(engine, func(b *testing.B) {
			s := openTestStore(b, engine)
			pg := s.dialect == Postgres
			loadBenchCustomers(b, s, cs)
			tokens, tokTime := loadTokenTable(b, s, cs)

			// The alternative: one row per customer holding the same tokens.
			start := time.Now()
			var ftsRows [][]any
			if pg {
				mustExec(b, s, "CREATE TABLE bench_tsv (customer_id BIGINT PRIMARY KEY, tsv tsvector NOT NULL)")
				for i, c := range cs {
					ftsRows = append(ftsRows, []any{int64(i + 1), "{" + quotePGArray(c.tokens) + "}"})
				}
				insertRowsPh(b, s, "INSERT INTO bench_tsv (customer_id, tsv)", "(?, array_to_tsvector(CAST(? AS text[])))", ftsRows)
				mustExec(b, s, "CREATE INDEX bench_tsv_gin ON bench_tsv USING gin (tsv)")
			} else {
				mustExec(b, s, "CREATE VIRTUAL TABLE bench_fts USING fts5(t, content='', detail=none, columnsize=0, tokenize='unicode61 tokenchars '':''')")
				for i, c := range cs {
					ftsRows = append(ftsRows, []any{int64(i + 1), strings.Join(c.tokens, " ")})
				}
				insertRows(b, s, "INSERT INTO bench_fts (rowid, t)", 2, ftsRows)
			}
			ftsTime := time.Since(start)
			analyze(b, s)
			// Printed, not logged: parent benchmarks with sub-benchmarks drop logs.
			fmt.Printf("%s: %d customers, %d token rows: token table build %v; %s build %v\n",
				engine, n, tokens, tokTime.Round(time.Millisecond), map[bool]string{true: "tsvector+GIN", false: "FTS5"}[pg], ftsTime.Round(time.Millisecond))
			if pg {
				var tokSize, tsvSize string
				s.r.QueryRowContext(context.Background(), "SELECT pg_size_pretty(pg_total_relation_size('customer_tokens')), pg_size_pretty(pg_total_relation_size('bench_tsv'))").Scan(&tokSize, &tsvSize)
				fmt.Printf("postgres sizes: customer_tokens %s, bench_tsv %s\n", tokSize, tsvSize)
			}

			forms := map[string]func(q string) (string, []any){
				"tokens": func(q string) (string, []any) {
					p, a, _ := s.searchSQL(q, "c")
					return p, a
				},
				"tokens-in": func(q string) (string, []any) {
					p, a, _ := s.searchPred(q, "c", func(search.Group) bool { return false })
					return p, a
				},
				"tokens-exists": func(q string) (string, []any) {
					p, a, _ := s.searchPred(q, "c", func(search.Group) bool { return true })
					return p, a
				},
				"fts": func(q string) (string, []any) {
					if pg {
						return "c.id IN (SELECT customer_id FROM bench_tsv WHERE tsv @@ CAST(? AS tsquery))", []any{ftsQuery(true, q)}
					}
					return "c.id IN (SELECT rowid FROM bench_fts WHERE bench_fts MATCH ?)", []any{ftsQuery(false, q)}
				},
			}
			for _, class := range []string{"1char", "2char", "3char", "initials", "pinyin", "last4"} {
				qs := benchQueries(cs, class, 200)
				for _, form := range []string{"tokens", "tokens-in", "tokens-exists", "fts"} {
					b.Run(class+"/"+form, func(b *testing.B) {
						durs := make([]time.Duration, 0, b.N)
						for i := 0; b.Loop(); i++ {
							pred, args := forms[form](qs[i%len(qs)])
							t0 := time.Now()
							rows, err := s.r.QueryContext(context.Background(), s.rebind(listQuery(pred)), append(args, 21)...)
							if err != nil {
								b.Fatalf("%s: %v", pred, err)
							}
							k := 0
							for rows.Next() {
								k++
							}
							rows.Close()
							durs = append(durs, time.Since(t0))
						}
						sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
						if len(durs) > 0 {
							b.ReportMetric(float64(durs[len(durs)*95/100].Microseconds())/1000, "p95-ms")
						}
					})
				}
			}
		})
	}
}

func quotePGArray(ts []string) string {
	q := make([]string, len(ts))
	for i, t := range ts {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t) + `"`
	}
	return strings.Join(q, ",")
}

// FuzzSearchSQL: any search box text compiles to SQL whose only variable
// parts are bound arguments, and runs on SQLite.
func FuzzSearchSQL(f *testing.F) {
	for _, q := range []string{"张", "张三丰", "zs", "zhang san", "8000", "13800138000", "KH00000123",
		"11010519491231002X", "'; DROP TABLE customers; --", "%_\\", "ＺＳ 张", "0571-87654321", "张三 李四 王五 赵六 钱七 孙八 周九 吴十 郑"} {
		f.Add(q)
	}
	s := openTestStore(f, "sqlite")
	seedFilterData(f, s)
	f.Fuzz(func(t *testing.T, q string) {
		pred, args, err := s.searchSQL(q, "c")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(pred, "?") != len(args) {
			t.Fatalf("%d placeholders for %d args: %s", strings.Count(pred, "?"), len(args), pred)
		}
		// The SQL text depends only on the shape of the query, never on its
		// characters: replace every ? argument and the text must not contain
		// anything but the fixed vocabulary.
		rest := pred
		for _, w := range []string{"c.id IN (SELECT customer_id FROM customer_tokens WHERE ", "EXISTS (SELECT 1 FROM customer_tokens WHERE customer_id = c.id AND (",
			"(token >= ? AND token < ?)", "token >= ?", "token = ?", "c.name LIKE ? ESCAPE '\\'", " OR ", " AND ", ")", "1=1"} {
			rest = strings.ReplaceAll(rest, w, "")
		}
		if rest != "" {
			t.Fatalf("unexpected SQL text %q in %s", rest, pred)
		}
		queryIDs(t, s, pred, args)
	})
}
