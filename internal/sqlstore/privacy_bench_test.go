package sqlstore_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// BenchmarkPrivacyExport10k measures D5's goal: a customer with 10,000
// interactions (and their audit rows) exported as JSON and as a CSV zip
// (goal ≤ 60 s). Run: go test ./internal/sqlstore -run '^$' -bench PrivacyExport10k -benchtime 3x
func BenchmarkPrivacyExport10k(b *testing.B) {
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			st := seedStaff(b, s)
			p := seedPrivacy(b, s, st)
			seedInteractions(b, s, p.ID, 10000)
			ctx := context.Background()
			for b.Loop() {
				doc, err := s.SubjectDocument(ctx, st.Admin, p.ID, privacy.FormatJSON)
				if err != nil {
					b.Fatal(err)
				}
				if err := doc.WriteJSON(io.Discard); err != nil {
					b.Fatal(err)
				}
				if err := doc.WriteCSVZip(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func seedInteractions(b testing.TB, s *sqlstore.Store, id int64, n int) {
	now := time.Now().UTC()
	tx, err := s.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	q := "INSERT INTO interactions (customer_id, channel, occurred_at, summary, created_at) VALUES (?, 'phone', ?, ?, ?)"
	if s.Dialect() == sqlstore.Postgres {
		q = "INSERT INTO interactions (customer_id, channel, occurred_at, summary, created_at) VALUES ($1, 'phone', $2, $3, $4)"
	}
	for i := range n {
		if _, err := tx.Exec(q, id, now.Add(-time.Duration(i)*time.Minute), "客户来电咨询贷款还款事宜，已解答并约定下周回访", now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
