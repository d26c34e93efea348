package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAppointmentListPaging: a day with more appointments than a page
// shows 50 with a next link that keeps the dates; the next page shows the
// rest, each once; the CSV export holds the whole window whatever page is
// shown; a malformed cursor is a 400 page.
func TestAppointmentListPaging(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	agent := env.Login(t, "agent_a1")
	a1 := env.Actor("agent_a1")
	as := env.App.Appointments
	c := env.Customer(t, "agent_a1", "卫十七", "13500135017")
	res := appointment.Resource{Name: "大厅", Kind: appointment.ResourceDesk, SlotMinutes: 60, Capacity: 100, Active: true,
		Hours: "07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00"}
	if err := as.SaveResource(ctx, env.Actor("admin"), &res, 0); err != nil {
		t.Fatal(err)
	}
	kinds, err := as.Kinds(ctx, a1)
	if err != nil {
		t.Fatal(err)
	}
	loc := as.Location()
	day := time.Now().In(loc).AddDate(0, 0, 5)
	const n = 52
	for i := range n {
		start := time.Date(day.Year(), day.Month(), day.Day(), 9+i%3, 0, 0, 0, loc)
		ap := &appointment.Appointment{CustomerID: c.ID, KindID: kinds[0].ID, ResourceID: res.ID, StartsAt: start}
		if err := as.Book(ctx, a1, ap, 0); err != nil {
			t.Fatal(err)
		}
	}
	d := day.Format(time.DateOnly)
	rows := regexp.MustCompile(`<tr><td><a href="/appointments/(\d+)">`)
	ids := func(body string) []string {
		var out []string
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	p := wGet(t, agent, env.URL+"/appointments?from="+d+"&to="+d)
	first, next := ids(p.body), workNextHref(p.body)
	if p.status != 200 || len(first) != 50 || !strings.Contains(next, "from="+d) || !strings.Contains(next, "cursor=") {
		t.Fatalf("first page: %d, %d rows, next %q", p.status, len(first), next)
	}
	p = wGet(t, agent, env.URL+next)
	rest := ids(p.body)
	if p.status != 200 || len(rest) != n-50 || workNextHref(p.body) != "" {
		t.Fatalf("second page: %d, %d rows, next %q", p.status, len(rest), workNextHref(p.body))
	}
	seen := map[string]bool{}
	for _, id := range append(first, rest...) {
		if seen[id] {
			t.Fatalf("appointment %s shown twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d of %d shown", len(seen), n)
	}
	// The export link of a later page drops the cursor; the export is whole.
	if strings.Contains(regexp.MustCompile(`href="(/appointments\?[^"]*format=csv[^"]*)"`).FindString(p.body), "cursor") {
		t.Fatal("export link keeps the cursor")
	}
	p = wGet(t, agent, env.URL+strings.Replace(next, "?", "?format=csv&", 1))
	if lines := strings.Count(p.body, "\r\n"); p.status != 200 || lines != n+1 {
		t.Fatalf("csv: %d, %d lines", p.status, lines)
	}
	if p := wGet(t, agent, env.URL+"/appointments?cursor=x.1"); p.status != 400 {
		t.Fatalf("malformed cursor: %d", p.status)
	}
}
