package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// fixTicket is one row of the analytics fixture, written straight to the
// table with the driver's own time encoding (as the app writes it).
type fixTicket struct {
	customer, unit, assignee, createdBy, category any // nil for NULL
	status, channel                               string
	received                                      time.Time
	frMin, resMin                                 int // minutes after received; -1: none
	closed                                        *time.Time
	satisfaction                                  any
	fcr, reopen                                   int
	frBreach, resBreach                           bool
	rootCause                                     string
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func ptime(t time.Time) *time.Time { return &t }

// seedAnalytics writes five customers and eight tickets whose numbers the
// tests below count by hand. Users: 2 mgr_a (unit 2), 3 agent_a1 and 4
// agent_a2 (unit 4), 5 agent_b (unit 3).
func seedAnalytics(t testing.TB, s *sqlstore.Store) (staffFixture, []guanxi.ID) {
	t.Helper()
	ctx := context.Background()
	f := seedStaff(t, s)
	db := s.DB()
	now := utc(2026, 1, 1, 0, 0)
	var cust []guanxi.ID
	for i, c := range []struct {
		owner   int64
		stage   string
		deleted bool
	}{{3, "customer", false}, {3, "customer", false}, {5, "customer", false}, {5, "prospect", false}, {3, "customer", true}} {
		var deleted any
		if c.deleted {
			deleted = now
		}
		var id guanxi.ID
		if err := db.QueryRowContext(ctx, rebindFor(s, `INSERT INTO customers (number, kind, name, owner_id, stage, created_at, updated_at, deleted_at, version)
			VALUES (?, 'person', ?, ?, ?, ?, ?, ?, 1) RETURNING id`), fmt.Sprintf("KHA%03d", i), fmt.Sprintf("客户%d", i), c.owner, c.stage, now, now, deleted).Scan(&id); err != nil {
			t.Fatal(err)
		}
		cust = append(cust, id)
	}
	c1, c2, c3 := cust[0], cust[1], cust[2]
	rows := []fixTicket{
		// T1: January, service attitude, answered in 30 min, resolved in 3 h, closed, 5 stars, first contact.
		{c1, 4, 3, 3, 2, "closed", "phone", utc(2026, 1, 5, 2, 0), 30, 180, ptime(utc(2026, 1, 6, 2, 0)), 5, 1, 0, false, false, " 态度差 "},
		// T2: 2026-02-01 01:00 in Shanghai (still January in UTC), reopened once, resolution breached, 3 stars.
		{c1, 4, 4, 3, 3, "closed", "walk_in", utc(2026, 1, 31, 17, 0), 120, 1800, ptime(utc(2026, 2, 3, 0, 0)), 3, 0, 1, false, true, "态度差"},
		// T3: February, fees, first response in 6 h but breached, still being handled.
		{c3, 3, 5, 5, 5, "routed", "phone", utc(2026, 2, 10, 1, 0), 360, -1, nil, nil, 0, 0, true, false, ""},
		// T4: March, fees, answered after 12 days, resolved after 13, 4 stars.
		{c3, 3, 5, 5, 5, "closed", "phone", utc(2026, 3, 15, 0, 0), 12 * 1440, 13 * 1440, ptime(utc(2026, 3, 29, 0, 0)), 4, 0, 0, false, false, "收费不透明"},
		// T5: March, no category, nothing done yet.
		{c2, 4, 3, 3, nil, "registered", "email", utc(2026, 3, 20, 0, 0), -1, -1, nil, nil, 0, 0, false, false, ""},
		// T6: merged: never counted.
		{c1, 4, 3, 3, 2, "merged", "phone", utc(2026, 2, 1, 0, 0), -1, -1, nil, nil, 0, 0, false, false, "态度差"},
		// T7: received before the period (2025-12-31 23:00 Shanghai), closed in January.
		{c1, 4, 3, 3, 2, "closed", "phone", utc(2025, 12, 31, 15, 0), -1, -1, ptime(utc(2026, 1, 2, 0, 0)), nil, 0, 0, false, false, ""},
		// T8: no customer, branch A's manager, privacy; 1 h to answer, 1 day to resolve, first contact.
		{nil, 2, 2, 2, 9, "handled", "letter", utc(2026, 2, 20, 0, 0), 60, 1440, nil, nil, 1, 0, false, false, "态度差"},
	}
	var ids []guanxi.ID
	for i, r := range rows {
		var fr, res, frB, resB, frM, resM any
		if r.frMin >= 0 {
			fr, frM = r.received.Add(time.Duration(r.frMin)*time.Minute), r.frMin
		}
		if r.resMin >= 0 {
			res, resM = r.received.Add(time.Duration(r.resMin)*time.Minute), r.resMin
		}
		if r.frBreach {
			frB = r.received.Add(time.Hour)
		}
		if r.resBreach {
			resB = r.received.Add(time.Hour)
		}
		var closed any
		if r.closed != nil {
			closed = *r.closed
		}
		var id guanxi.ID
		if err := db.QueryRowContext(ctx, rebindFor(s, `INSERT INTO tickets (number, status, channel, category_id, severity, subject, description,
			customer_id, org_unit_id, assignee_id, created_by, received_at, first_response_at, resolved_at, closed_at, satisfaction,
			first_contact_resolution, reopen_count, fr_breached_at, res_breached_at, root_cause, created_at, updated_at,
			first_response_minutes, resolution_minutes, version)
			VALUES (?, ?, ?, ?, 'medium', '投诉', '内容', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`),
			fmt.Sprintf("TS-A-%03d", i+1), r.status, r.channel, r.category, r.customer, r.unit, r.assignee, r.createdBy,
			r.received, fr, res, closed, r.satisfaction, r.fcr, r.reopen, frB, resB, r.rootCause, r.received, r.received,
			frM, resM).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return f, ids
}

func analyticsService(s *sqlstore.Store) *ticket.Analytics {
	return &ticket.Analytics{Store: s, Now: func() time.Time { return utc(2026, 4, 1, 0, 0) }}
}

func kpiOf(t *testing.T, r ticket.Report, key string) ticket.KPI {
	t.Helper()
	for _, k := range r.KPIs {
		if k.Key == key {
			return k
		}
	}
	t.Fatalf("no KPI %s", key)
	return ticket.KPI{}
}

func barsOf[T any](rows []T, key func(T) (guanxi.ID, int64)) map[guanxi.ID]int64 {
	m := map[guanxi.ID]int64{}
	for _, r := range rows {
		id, n := key(r)
		m[id] = n
	}
	return m
}

func unitBars(r ticket.Report) map[guanxi.ID]int64 {
	return barsOf(r.Units, func(b ticket.BarRow) (guanxi.ID, int64) { return b.ID, b.N })
}

// TestComplaintAnalytics checks every number of the report against a hand
// count of the fixture, for the admin, for two agents (each report counts
// only its scope: TESTPLAN A3) and with each filter.
func TestComplaintAnalytics(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f, _ := seedAnalytics(t, s)
		svc := analyticsService(s)
		q := ticket.AnalyticsQuery{From: "2026-01-01", To: "2026-03-31", Granularity: ticket.Monthly}
		r, err := svc.Report(ctx, f.Admin, q, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		want := ticket.Totals{Total: 6, Closed: 3, Breached: 2, FirstContact: 2, Resolved: 4, Reopened: 1, Rated: 3, Satisfied: 2, WithCause: 4}
		if r.Totals != want {
			t.Errorf("totals %+v, want %+v", r.Totals, want)
		}
		if k := kpiOf(t, r, ticket.KPIComplaintRate); k.Num != 6 || k.Den != 3 {
			t.Errorf("complaint rate %d/%d, want 6/3 (three active C-card customers)", k.Num, k.Den)
		}
		if k := kpiOf(t, r, ticket.KPISatisfaction); k.Num != 2 || k.Den != 3 || k.State() != "bad" {
			t.Errorf("satisfaction %+v %s", k, k.State())
		}
		vol := fmt.Sprint(r.Volume)
		if want := "[{2026-01 2026-01-01 1 2} {2026-02 2026-02-01 3 1} {2026-03 2026-03-01 2 1}]"; vol != want {
			t.Errorf("volume %s, want %s", vol, want)
		}
		top := barsOf(r.Categories, func(p ticket.ParetoRow) (guanxi.ID, int64) { return p.ID, p.N })
		if fmt.Sprint(top) != "map[0:1 1:2 4:2 9:1]" {
			t.Errorf("top categories %v", top)
		}
		if last := r.Categories[len(r.Categories)-1]; last.Cumulative != 100 || r.Categories[0].N != 2 {
			t.Errorf("pareto %+v", r.Categories)
		}
		sub := barsOf(r.Subcategories, func(p ticket.ParetoRow) (guanxi.ID, int64) { return p.ID, p.N })
		if fmt.Sprint(sub) != "map[0:1 2:1 3:1 5:2 9:1]" {
			t.Errorf("subcategories %v", sub)
		}
		if got := fmt.Sprint(unitBars(r)); got != "map[2:1 3:2 4:3]" {
			t.Errorf("units %s", got)
		}
		staff := barsOf(r.Staff, func(b ticket.BarRow) (guanxi.ID, int64) { return b.ID, b.N })
		if fmt.Sprint(staff) != "map[2:1 3:2 4:1 5:2]" {
			t.Errorf("staff %v", staff)
		}
		if len(r.RootCauses) != 2 || r.RootCauses[0].Label != "态度差" || r.RootCauses[0].N != 3 || r.RootCauses[1].N != 1 {
			t.Errorf("root causes %+v", r.RootCauses)
		}
		fr := r.FirstResponse
		if fr.N != 5 || fr.P50 != 2 || fr.P90 != 288 || fr.Mean != 59.5 || fmt.Sprint(fr.Buckets) != "[{le_1h 2} {h1_4 1} {h4_8 1} {h8_24 0} {d1_2 0} {d2_5 0} {d5_10 0} {gt_10d 1}]" {
			t.Errorf("first response %+v", fr)
		}
		res := r.Resolution
		if res.N != 4 || res.P50 != 24 || res.P90 != 312 || res.Mean != 92.25 || fmt.Sprint(res.Buckets) != "[{le_1h 0} {h1_4 1} {h4_8 0} {h8_24 1} {d1_2 1} {d2_5 0} {d5_10 0} {gt_10d 1}]" {
			t.Errorf("resolution %+v", res)
		}
		// The auditor reads everything.
		if ra, err := svc.Report(ctx, f.Auditor, q, "zh-CN"); err != nil || ra.Totals != r.Totals {
			t.Errorf("auditor %+v %v", ra.Totals, err)
		}

		// agent_a1 sees its unit's tickets (T1, T2, T5) and its two customers.
		ra, err := svc.Report(ctx, f.AgentA1, q, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if want := (ticket.Totals{Total: 3, Closed: 2, Breached: 1, FirstContact: 1, Resolved: 2, Reopened: 1, Rated: 2, Satisfied: 1, WithCause: 2}); ra.Totals != want {
			t.Errorf("agent_a1 totals %+v, want %+v", ra.Totals, want)
		}
		if k := kpiOf(t, ra, ticket.KPIComplaintRate); k.Num != 3 || k.Den != 2 {
			t.Errorf("agent_a1 complaint rate %d/%d", k.Num, k.Den)
		}
		if got := fmt.Sprint(unitBars(ra)); got != "map[4:3]" {
			t.Errorf("agent_a1 units %s", got)
		}
		if vol := fmt.Sprint(ra.Volume); vol != "[{2026-01 2026-01-01 1 2} {2026-02 2026-02-01 1 1} {2026-03 2026-03-01 1 0}]" {
			t.Errorf("agent_a1 volume %s", vol)
		}
		if ra.FirstResponse.N != 2 || ra.Resolution.N != 2 || len(ra.RootCauses) != 1 || ra.RootCauses[0].N != 2 {
			t.Errorf("agent_a1 durations/causes %+v %+v %+v", ra.FirstResponse, ra.Resolution, ra.RootCauses)
		}
		// agent_b: T3 and T4 only.
		rb, err := svc.Report(ctx, f.AgentB, q, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if want := (ticket.Totals{Total: 2, Closed: 1, Breached: 1, Resolved: 1, Rated: 1, Satisfied: 1, WithCause: 1}); rb.Totals != want {
			t.Errorf("agent_b totals %+v, want %+v", rb.Totals, want)
		}
		if k := kpiOf(t, rb, ticket.KPIComplaintRate); k.Den != 1 {
			t.Errorf("agent_b active customers %d", k.Den)
		}
		if k := kpiOf(t, rb, ticket.KPIFCR); k.State() != "bad" {
			t.Errorf("agent_b FCR %+v", k)
		}

		// Filters: unit subtree, category with children, channel.
		for _, tc := range []struct {
			name  string
			q     ticket.AnalyticsQuery
			total int64
			cust  int64
		}{
			{"unit 2 subtree", ticket.AnalyticsQuery{OrgUnitID: 2}, 4, 2},
			{"unit 4", ticket.AnalyticsQuery{OrgUnitID: 4}, 3, 2},
			{"category service", ticket.AnalyticsQuery{CategoryID: 1}, 2, 3},
			{"channel phone", ticket.AnalyticsQuery{Channel: "phone"}, 3, 3},
		} {
			tc.q.From, tc.q.To = q.From, q.To
			rf, err := svc.Report(ctx, f.Admin, tc.q, "en")
			if err != nil {
				t.Fatal(err)
			}
			if k := kpiOf(t, rf, ticket.KPIComplaintRate); rf.Totals.Total != tc.total || k.Den != tc.cust {
				t.Errorf("%s: total %d customers %d, want %d %d", tc.name, rf.Totals.Total, k.Den, tc.total, tc.cust)
			}
		}

		// Weekly: T2 falls in the week of Monday 2026-01-26 (it is 1 February in Shanghai).
		rw, err := svc.Report(ctx, f.Admin, ticket.AnalyticsQuery{From: "2026-01-26", To: "2026-02-08", Granularity: ticket.Weekly}, "en")
		if err != nil {
			t.Fatal(err)
		}
		if vol := fmt.Sprint(rw.Volume); vol != "[{2026-W05 2026-01-26 1 0} {2026-W06 2026-02-02 0 1}]" {
			t.Errorf("weekly volume %s", vol)
		}

		// An empty period: every rate is "no data", not 100%.
		re, err := svc.Report(ctx, f.Admin, ticket.AnalyticsQuery{From: "2024-01-01", To: "2024-02-01"}, "en")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range re.KPIs {
			if k.Key != ticket.KPIComplaintRate && k.State() != "none" {
				t.Errorf("empty period %s: %s", k.Key, k.State())
			}
		}
		if re.FirstResponse.HasData() {
			t.Error("empty period has durations")
		}
	})
}

// TestComplaintAnalyticsExportAudit checks the export writes one audit row
// with the filters and row count.
func TestComplaintAnalyticsExportAudit(t *testing.T) {
	s := sqltest.SQLite(t)
	f, _ := seedAnalytics(t, s)
	r, err := analyticsService(s).Export(context.Background(), f.ManagerA, ticket.AnalyticsQuery{Channel: "phone"}, "zh-CN", "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := s.DB().QueryRow("SELECT detail FROM audit_log WHERE action = 'export' AND object_type = 'complaint_analytics'").Scan(&detail); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"channel":"phone"`, `"format":"xlsx"`, fmt.Sprintf(`"rows":%d`, r.RowCount()), `"from":"2025-05-01"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("audit detail %s lacks %s", detail, want)
		}
	}
}

// TestComplaintAnalyticsScope checks, for every role of the fixture on
// random tickets, that the analytics count exactly the tickets the complaint
// board lists (ticketScopeSQL), merged ones aside: the set-form scope of the
// analytics queries and the board's scope agree (TESTPLAN A3).
func TestComplaintAnalyticsScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		f := bulkAnalyticsTickets(t, s, 600, base)
		svc := &ticket.Analytics{Store: s, Now: func() time.Time { return base }}
		q := ticket.AnalyticsQuery{From: "2025-10-01", To: "2026-11-01"}
		for _, a := range []guanxi.Actor{f.Admin, f.ManagerA, f.AgentA1, f.AgentA2, f.AgentB, f.Auditor} {
			var listed int64
			lq := ticket.ListQuery{Limit: ticket.MaxLimit}
			for {
				page, err := s.ListTickets(ctx, a, lq, base)
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range page.Items {
					if tk.Status != ticket.StatusMerged {
						listed++
					}
				}
				if page.NextCursor == "" {
					break
				}
				lq.Cursor = page.NextCursor
			}
			r, err := svc.Report(ctx, a, q, "en")
			if err != nil {
				t.Fatal(err)
			}
			if r.Totals.Total != listed || listed == 0 {
				t.Errorf("%s: analytics count %d tickets, the board lists %d", a.Username, r.Totals.Total, listed)
			}
			var inUnits int64
			for _, u := range r.Units {
				inUnits += u.N
			}
			if inUnits != listed {
				t.Errorf("%s: units sum to %d, want %d", a.Username, inUnits, listed)
			}
		}
	})
}
