package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// bulkTickets inserts n open tickets straight into the table (a fixture,
// not the API): 200 customers of the staff fixture's agents, every
// status, severity, category and unit, received over the last 60 days
// before base. dueShare of them are past their resolution due time.
func bulkTickets(b *testing.B, s *sqlstore.Store, n int, base time.Time, dueShare float64) staffFixture {
	b.Helper()
	ctx := context.Background()
	f := seedStaff(b, s)
	db := s.DB()
	now := base.UTC()
	owners := []int64{f.AgentA1.UserID, f.AgentA2.UserID, f.AgentB.UserID}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 200; i++ {
		if _, err := tx.ExecContext(ctx, rebindFor(s, `INSERT INTO customers (number, kind, name, owner_id, created_at, updated_at, version)
			VALUES (?, 'person', ?, ?, ?, ?, 1)`), fmt.Sprintf("KHB%05d", i), fmt.Sprintf("客户%d", i), owners[i%3], now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	var firstCustomer int64
	if err := db.QueryRow("SELECT MIN(id) FROM customers").Scan(&firstCustomer); err != nil {
		b.Fatal(err)
	}
	statuses := []string{"registered", "confirmed", "routed", "handled"}
	sevs := []string{"low", "medium", "high", "critical"}
	units := []int64{1, 2, 3, 4}
	assignees := []int64{f.AgentA1.UserID, f.AgentA2.UserID, f.AgentB.UserID, f.ManagerA.UserID}
	rng := rand.New(rand.NewPCG(1, 2))
	const cols = 20
	const batch = 500
	head := `INSERT INTO tickets (number, status, channel, category_id, severity, subject, description, customer_id,
		org_unit_id, assignee_id, received_at, created_by, first_response_due_at, first_response_warn_at,
		resolution_due_at, resolution_warn_at, escalation_level, next_escalation_at, ombudsman_due_at, created_at, updated_at, version) VALUES `
	row := "(" + strings.Repeat("?, ", cols) + "?, 1)"
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		args := make([]any, 0, k*(cols+1))
		for j := range k {
			i := start + j
			received := now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
			due := now.Add(time.Duration(1+rng.IntN(20*24)) * time.Hour)
			if rng.Float64() < dueShare {
				due = now.Add(-time.Duration(1+rng.IntN(48)) * time.Hour)
			}
			warn := due.Add(-48 * time.Hour)
			frDue := received.Add(-time.Hour) // met or missed long ago: first response answered below
			args = append(args, fmt.Sprintf("TS-BENCH-%07d", i), statuses[rng.IntN(4)], "phone", 1+rng.IntN(10),
				sevs[rng.IntN(4)], "服务态度", "客户反映柜台服务态度差", firstCustomer+int64(rng.IntN(200)),
				units[rng.IntN(4)], assignees[rng.IntN(4)], received, owners[rng.IntN(3)], frDue, frDue,
				due, warn, 1, due, received.Add(8*7*24*time.Hour), received, received)
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
		if _, err := tx.ExecContext(ctx, rebindFor(s, q), args...); err != nil {
			b.Fatal(err)
		}
	}
	// First responses were given: only resolution clocks and escalations run.
	if _, err := tx.ExecContext(ctx, rebindFor(s, "UPDATE tickets SET first_response_at = received_at")); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == sqlstore.SQLite {
		if _, err := db.Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

func rebindFor(s *sqlstore.Store, q string) string {
	if s.Dialect() != sqlstore.Postgres {
		return q
	}
	var out strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&out, "$%d", n)
			continue
		}
		out.WriteRune(c)
	}
	return out.String()
}

// BenchmarkTicketBoard is a filtered page of the complaint board over 100k
// tickets on SQLite (goal: p95 ≤ 20 ms), for an admin and a branch manager.
func BenchmarkTicketBoard(b *testing.B) {
	s := sqltest.SQLite(b)
	base := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	f := bulkTickets(b, s, 100_000, base, 0.05)
	svc := &ticket.Service{Store: s, Now: func() time.Time { return base }}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    ticket.ListQuery
		who  staffFixture
	}{
		{"admin/status+severity", ticket.ListQuery{Status: ticket.StatusRouted, Severity: ticket.SeverityHigh, Limit: 50}, f},
		{"admin/overdue", ticket.ListQuery{Overdue: true, Limit: 50}, f},
		{"admin/unit+category", ticket.ListQuery{OrgUnitID: 4, CategoryID: 1, Limit: 50}, f},
		{"manager/open", ticket.ListQuery{Open: true, Limit: 50}, f},
		{"agent/status", ticket.ListQuery{Status: ticket.StatusRouted, Limit: 50}, f},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := f.Admin
			switch {
			case strings.HasPrefix(tc.name, "manager"):
				a = f.ManagerA
			case strings.HasPrefix(tc.name, "agent"):
				a = f.AgentB
			}
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				page, err := svc.List(ctx, a, tc.q)
				lat = append(lat, time.Since(t0))
				if err != nil || len(page.Items) == 0 {
					b.Fatalf("page: %d %v", len(page.Items), err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkTicketSLAJob runs the SLA job over 100k open tickets of which
// 5% are past due (warnings, breaches and escalations to claim) on SQLite
// (goal ≤ 5 s a run). Each iteration restores the claimed state first.
func BenchmarkTicketSLAJob(b *testing.B) {
	s := sqltest.SQLite(b)
	base := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	bulkTickets(b, s, 100_000, base, 0.05)
	svc := &ticket.Service{Store: s, Now: func() time.Time { return base }}
	ctx := context.Background()
	reset := func() {
		for _, q := range []string{
			"UPDATE tickets SET res_warned_at = NULL, res_breached_at = NULL, escalation_level = 1, next_escalation_at = resolution_due_at WHERE res_warned_at IS NOT NULL OR escalation_level > 1",
			"DELETE FROM notifications", "DELETE FROM ticket_sla_events", "DELETE FROM ticket_escalations",
			"DELETE FROM ticket_events WHERE action = 'escalate' OR action LIKE '%breach'",
		} {
			if _, err := s.DB().Exec(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	var claimed int
	for b.Loop() {
		b.StopTimer()
		reset()
		b.StartTimer()
		if err := svc.RunSLA(ctx, base); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM ticket_sla_events").Scan(&claimed); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(claimed), "events/run")
}
