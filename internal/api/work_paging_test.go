package api_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// pageThrough follows next_cursor from path (which has a query) and
// returns every id in order and the number of pages.
func pageThrough(t *testing.T, c client, path string) ([]int64, int) {
	t.Helper()
	var ids []int64
	cursor := ""
	for pages := 1; ; pages++ {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		st, _, m := c.do("GET", p, nil)
		items, ok := m["items"].([]any)
		if st != 200 || !ok {
			t.Fatalf("%s: %d %v", p, st, m)
		}
		for _, it := range items {
			ids = append(ids, int64(it.(map[string]any)["id"].(float64)))
		}
		cursor, _ = m["next_cursor"].(string)
		if cursor == "" {
			return ids, pages
		}
		if pages > 50 {
			t.Fatal("paging does not end")
		}
	}
}

// TestAPITaskAndAppointmentPaging (TESTPLAN I5): limit above 200 is
// refused with 400 naming the parameter; next_cursor pages through every
// row once; a malformed cursor is a 400 at query.cursor; another agent's
// cursor shows none of the first agent's rows.
func TestAPITaskAndAppointmentPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		admin, a1, b := clientFor(t, env, "admin"), clientFor(t, env, "agent_a1"), clientFor(t, env, "agent_b")
		c := env.Customer(t, "agent_a1", "韦十五", "13700137015")
		var tasks []int64
		for _, due := range []string{"2030-03-02", "2030-03-01", "2030-03-01", "2030-03-03", "2030-03-01"} {
			st, _, m := a1.do("POST", "/api/v1/tasks", map[string]any{"customer_id": c.ID, "title": "回访", "due_on": due})
			if st != 201 {
				t.Fatalf("create task: %d %v", st, m)
			}
			tasks = append(tasks, int64(m["id"].(float64)))
		}
		// Due day, then id: the three of 1 March, 2 March, 3 March.
		want := []int64{tasks[1], tasks[2], tasks[4], tasks[0], tasks[3]}
		cp := fmt.Sprintf("/api/v1/customers/%d/tasks?", c.ID)
		for _, path := range []string{"/api/v1/tasks?due_from=2030-03-01&limit=2", cp + "limit=2"} {
			got, pages := pageThrough(t, a1, path)
			if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
				t.Fatalf("%s: %v in %d pages, want %v", path, got, pages, want)
			}
		}
		for _, path := range []string{"/api/v1/tasks?limit=1000", "/api/v1/tasks?limit=201", cp + "limit=1000",
			"/api/v1/appointments?limit=1000"} {
			if st, _, m := a1.do("GET", path, nil); st != 400 || !hasLocation(m, "query.limit") {
				t.Fatalf("%s: %d %v", path, st, m)
			}
		}
		for _, path := range []string{"/api/v1/tasks?cursor=nope", cp + "cursor=2030-03-01.0", "/api/v1/appointments?cursor=12.x"} {
			if st, _, m := a1.do("GET", path, nil); st != 400 || !hasLocation(m, "query.cursor") {
				t.Fatalf("%s: %d %v", path, st, m)
			}
		}
		_, _, m := a1.do("GET", "/api/v1/tasks?limit=1", nil)
		cursor := url.QueryEscape(m["next_cursor"].(string))
		if st, _, m := b.do("GET", fmt.Sprintf("/api/v1/tasks?owner_id=%d&cursor=%s", env.Actor("agent_a1").UserID, cursor), nil); st != 200 || len(m["items"].([]any)) != 0 {
			t.Fatalf("agent B with A1's cursor: %d %v", st, m)
		}
		if st, _, _ := b.do("GET", cp+"cursor="+cursor, nil); st != 404 {
			t.Fatalf("agent B, A1's customer: %d", st)
		}

		// Appointments: three on one slot (the id orders them), one later.
		all := "07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00"
		st, _, m := admin.do("POST", "/api/v1/appointment-resources", map[string]any{"name": "5号工位", "kind": "bay",
			"hours": all, "slot_minutes": 60, "capacity": 3, "active": true})
		if st != 201 {
			t.Fatalf("add resource: %d %v", st, m)
		}
		rid := m["id"]
		_, _, m = a1.do("GET", "/api/v1/appointment-kinds", nil)
		kid := list(t, m)[0]["id"]
		loc := env.App.Appointments.Location()
		day := time.Now().In(loc).AddDate(0, 0, 4)
		at := func(h int) string {
			return time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, loc).UTC().Format(time.RFC3339)
		}
		var apts []int64
		for _, start := range []string{at(11), at(10), at(10), at(10)} {
			st, _, m := a1.do("POST", "/api/v1/appointments", map[string]any{"customer_id": c.ID, "kind_id": kid,
				"resource_id": rid, "starts_at": start, "priority": false})
			if st != 201 {
				t.Fatalf("book: %d %v", st, m)
			}
			apts = append(apts, int64(m["id"].(float64)))
		}
		d := day.Format(time.DateOnly)
		got, pages := pageThrough(t, a1, "/api/v1/appointments?from="+d+"&to="+d+"&limit=3")
		if want := []int64{apts[1], apts[2], apts[3], apts[0]}; fmt.Sprint(got) != fmt.Sprint(want) || pages != 2 {
			t.Fatalf("appointments: %v in %d pages, want %v", got, pages, want)
		}
		_, _, m = a1.do("GET", "/api/v1/appointments?limit=1", nil)
		cursor = url.QueryEscape(m["next_cursor"].(string))
		if st, _, m := b.do("GET", "/api/v1/appointments?cursor="+cursor, nil); st != 200 || len(m["items"].([]any)) != 0 {
			t.Fatalf("agent B with A1's appointment cursor: %d %v", st, m)
		}
	})
}
