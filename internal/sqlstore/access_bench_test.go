package sqlstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// BenchmarkBreachQuery (TESTPLAN D8) loads GUANXI_BENCH_ACCESS_ROWS access
// rows (default 10,000,000) over 200 days, 100 users and 100,000
// customers, user 1 holding a tenth of them (the heavy exporter), checks
// the breach query against a brute-force scan of every row, then times it
// for a 30-day window of an ordinary user and the heavy user's 200 days.
// Target ≤ 5 s. Run:
//
//	go test ./internal/sqlstore -run '^$' -bench BreachQuery -benchtime 3x
func BenchmarkBreachQuery(b *testing.B) {
	n := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("GUANXI_BENCH_ACCESS_ROWS")); err == nil && v > 0 {
		n = v
	}
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			base := time.Now().UTC().AddDate(0, 0, -200).Truncate(time.Second)
			t0 := time.Now()
			loadAccessRows(b, s, n, base)
			b.Logf("%s: loaded %d rows in %s", e.Name, n, time.Since(t0).Round(time.Millisecond))
			cases := []struct {
				name     string
				user     guanxi.ID
				from, to time.Time
			}{
				{"user-30d", 42, base.AddDate(0, 0, 100), base.AddDate(0, 0, 130)},
				{"heavy-user-200d", 1, base, base.AddDate(0, 0, 201)},
			}
			for _, c := range cases {
				q := accesslog.BreachQuery{UserID: c.user, From: c.from, To: c.to}
				got := runBreach(b, s, q)
				t1 := time.Now()
				want, scanned := bruteScan(b, s, q)
				b.Logf("%s %s: %d customers; brute force over %d rows took %s", e.Name, c.name, len(got), scanned,
					time.Since(t1).Round(time.Millisecond))
				if len(got) != len(want) {
					b.Fatalf("%s: %d customers, brute force %d", c.name, len(got), len(want))
				}
				for _, r := range got {
					if r.Total != want[r.CustomerID] {
						b.Fatalf("%s: customer %d: %d, brute force %d", c.name, r.CustomerID, r.Total, want[r.CustomerID])
					}
				}
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						runBreach(b, s, q)
					}
				})
			}
		})
	}
}

// loadAccessRows bulk-inserts n synthetic rows in SQL (seconds, not the
// minutes a Go loop would take).
func loadAccessRows(b *testing.B, s *sqlstore.Store, n int, base time.Time) {
	ctx := context.Background()
	db := s.DB()
	// i → user (every tenth row is user 1), customer, time (i × 1.7 s), via.
	if s.Dialect() == sqlstore.Postgres {
		_, err := db.ExecContext(ctx, `INSERT INTO customer_access (user_id, customer_id, at, via)
            SELECT CASE WHEN i % 10 = 0 THEN 1 ELSE 2 + (i * 7919) % 99 END, 1 + (i * 104729) % 100000,
                $2::timestamptz + (i * 17 / 10) * interval '1 second',
                (ARRAY['api_get','web_view','list','search','export'])[1 + i % 5]
            FROM generate_series(0, $1::bigint - 1) AS i`, n, base)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "ANALYZE customer_access"); err != nil {
			b.Fatal(err)
		}
		return
	}
	_, err := db.ExecContext(ctx, `WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < ? - 1)
        INSERT INTO customer_access (user_id, customer_id, at, via)
        SELECT CASE WHEN i % 10 = 0 THEN 1 ELSE 2 + (i * 7919) % 99 END, 1 + (i * 104729) % 100000,
            strftime('%Y-%m-%d %H:%M:%S+00:00', ? + i * 17 / 10, 'unixepoch'),
            CASE i % 5 WHEN 0 THEN 'api_get' WHEN 1 THEN 'web_view' WHEN 2 THEN 'list' WHEN 3 THEN 'search' ELSE 'export' END
        FROM g`, n, base.Unix())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// bruteScan reads every access row and counts q's in Go, using no index.
func bruteScan(b *testing.B, s *sqlstore.Store, q accesslog.BreachQuery) (map[guanxi.ID]int64, int) {
	rows, err := s.DB().QueryContext(context.Background(), "SELECT user_id, customer_id, at FROM customer_access")
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[guanxi.ID]int64{}
	scanned := 0
	for rows.Next() {
		var u, c guanxi.ID
		var at any
		if err := rows.Scan(&u, &c, &at); err != nil {
			b.Fatal(err)
		}
		scanned++
		if u != q.UserID {
			continue
		}
		t, ok := at.(time.Time)
		if !ok {
			var err error
			if t, err = time.Parse("2006-01-02 15:04:05-07:00", at.(string)); err != nil {
				b.Fatal(err)
			}
		}
		if !t.Before(q.From) && t.Before(q.To) {
			out[c]++
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out, scanned
}

// BenchmarkInsertAccess is the flush: 1,000 rows in one transaction (the
// default batch), per engine. ns/op ÷ 1,000 is the write cost of one read.
func BenchmarkInsertAccess(b *testing.B) {
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			rows := make([]accesslog.Access, 1000)
			now := time.Now().UTC()
			for i := range rows {
				rows[i] = accesslog.Access{UserID: guanxi.ID(1 + i%50), CustomerID: guanxi.ID(1 + i*7919%100000), At: now, Via: accesslog.APIGet}
			}
			for b.Loop() {
				if err := s.InsertAccess(context.Background(), rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
