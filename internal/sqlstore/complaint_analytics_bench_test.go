package sqlstore_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// bulkAnalyticsTickets inserts n tickets received over the 12 months
// before base: every status, channel, category, unit and assignee, with
// first responses, resolutions, closures, scores, breaches and 40 root
// causes, plus 2,000 customers of the fixture's agents.
func bulkAnalyticsTickets(b testing.TB, s *sqlstore.Store, n int, base time.Time) staffFixture {
	b.Helper()
	ctx := context.Background()
	f := seedStaff(b, s)
	db := s.DB()
	owners := []int64{f.AgentA1.UserID, f.AgentA2.UserID, f.AgentB.UserID}
	stages := []string{"customer", "customer", "customer", "prospect"}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 2000; i++ {
		if _, err := tx.ExecContext(ctx, rebindFor(s, `INSERT INTO customers (number, kind, name, owner_id, stage, created_at, updated_at, version)
			VALUES (?, 'person', ?, ?, ?, ?, ?, 1)`), fmt.Sprintf("KHC%06d", i), fmt.Sprintf("客户%d", i), owners[i%3], stages[i%4], base, base); err != nil {
			b.Fatal(err)
		}
	}
	var firstCustomer int64
	if err := tx.QueryRowContext(ctx, "SELECT MIN(id) FROM customers").Scan(&firstCustomer); err != nil {
		b.Fatal(err)
	}
	statuses := []string{"registered", "confirmed", "routed", "handled", "fed_back", "closed", "closed", "closed", "merged"}
	assignees := []int64{f.AgentA1.UserID, f.AgentA2.UserID, f.AgentB.UserID, f.ManagerA.UserID}
	rng := rand.New(rand.NewPCG(3, 4))
	const cols = 25
	const batch = 400
	head := `INSERT INTO tickets (number, status, channel, category_id, severity, subject, description, customer_id,
		org_unit_id, assignee_id, created_by, received_at, first_response_at, resolved_at, closed_at, satisfaction,
		first_contact_resolution, reopen_count, fr_breached_at, res_breached_at, root_cause, created_at, updated_at,
		first_response_minutes, resolution_minutes, version) VALUES `
	row := "(" + strings.Repeat("?, ", cols) + "1)"
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		args := make([]any, 0, k*cols)
		for j := range k {
			i := start + j
			received := base.Add(-time.Duration(rng.IntN(365*24*60)) * time.Minute)
			status := statuses[rng.IntN(len(statuses))]
			var fr, res, closed, sat, frB, resB any
			if status != "registered" {
				fr = received.Add(time.Duration(rng.ExpFloat64()*240) * time.Minute)
				if rng.IntN(10) == 0 {
					frB = fr
				}
			}
			if status == "handled" || status == "fed_back" || status == "closed" {
				d := received.Add(time.Duration(rng.ExpFloat64()*3*24*60) * time.Minute)
				res = d
				if rng.IntN(8) == 0 {
					resB = d
				}
				if status == "closed" {
					closed = d.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
					if rng.IntN(3) > 0 {
						sat = 1 + rng.IntN(5)
					}
				}
			}
			cause := ""
			if rng.IntN(2) == 0 {
				cause = fmt.Sprintf("原因%02d", rng.IntN(40))
			}
			args = append(args, fmt.Sprintf("TS-AN-%07d", i), status, ticket.Channels[rng.IntN(len(ticket.Channels))], 1+rng.IntN(10),
				"medium", "投诉", "内容", firstCustomer+int64(rng.IntN(2000)), 1+rng.IntN(4), assignees[rng.IntN(4)],
				owners[rng.IntN(3)], received, fr, res, closed, sat, rng.IntN(2), rng.IntN(10)/9, frB, resB, cause, received, received,
				minutesAfter(received, fr), minutesAfter(received, res))
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
		if _, err := tx.ExecContext(ctx, rebindFor(s, q), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkComplaintAnalytics is the complaint analytics page's data over
// 100k tickets (goal: ≤ 300 ms), for the admin (everything) and a branch
// manager (its subtree), on each engine.
func BenchmarkComplaintAnalytics(b *testing.B) {
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			f := bulkAnalyticsTickets(b, s, 100_000, base)
			svc := &ticket.Analytics{Store: s, Now: func() time.Time { return base }}
			ctx := context.Background()
			for _, tc := range []struct {
				name string
				who  staffFixture
				q    ticket.AnalyticsQuery
			}{
				{"admin/12 months", f, ticket.AnalyticsQuery{}},
				{"admin/weekly+channel", f, ticket.AnalyticsQuery{Granularity: ticket.Weekly, Channel: "phone"}},
				{"manager/12 months", f, ticket.AnalyticsQuery{}},
			} {
				b.Run(tc.name, func(b *testing.B) {
					a := tc.who.Admin
					if strings.HasPrefix(tc.name, "manager") {
						a = tc.who.ManagerA
					}
					for b.Loop() {
						r, err := svc.Report(ctx, a, tc.q, "zh-CN")
						if err != nil || r.Totals.Total == 0 {
							b.Fatal(r.Totals, err)
						}
					}
				})
			}
		})
	}
}

// minutesAfter is the fixture's first_response_minutes/resolution_minutes:
// whole minutes from received to at (nil when at is unset).
func minutesAfter(received time.Time, at any) any {
	t, ok := at.(time.Time)
	if !ok {
		return nil
	}
	return int64(math.Round(t.Sub(received).Minutes()))
}
