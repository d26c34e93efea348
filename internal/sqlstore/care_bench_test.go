package sqlstore_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// BenchmarkCareRun seeds 100,000 customers on SQLite (birthdays spread over
// the year, nobody active since 2025) and times the daily run of a
// birthday rule and a dormancy rule: the first run fires every dormant
// customer (the worst case, 100k churn tasks), the repeat run finds
// nothing new. Run with -benchtime=1x.
func BenchmarkCareRun(b *testing.B) {
	s := sqltest.SQLite(b)
	f := seedStaff(b, s)
	ctx := context.Background()
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO customers (number, kind, name, owner_id, birthday, consent, created_at, updated_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		SELECT 'B' || i, 'person', 'c' || i, 3, printf('19%02d-%02d-%02d', i % 80 + 10, i % 12 + 1, i % 28 + 1),
			'{"sms":true}', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00' FROM n`); err != nil {
		b.Fatal(err)
	}
	svc := careService(s, at("2026-07-15 07:00"))
	for _, r := range []*care.Rule{
		{Name: "生日", Kind: care.KindBirthday, Channel: care.ChannelSMS, CreateTask: true, Enabled: true},
		{Name: "流失", Kind: care.KindDormancy, Enabled: true},
	} {
		if err := svc.Save(ctx, f.Admin, r, 0); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range []string{"first", "repeat"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				res, err := svc.Run(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.Fired), "fired")
			}
		})
	}
}
