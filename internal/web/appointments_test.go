package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// TestAppointmentJourney drives the web UI: an admin adds a resource; an
// agent books from a task (prefilled, the task closes), confirms, sees the
// day grid and the customer page; another agent gets 404; the report and
// its CSV need care.report.
func TestAppointmentJourney(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	admin, agent, other := env.Login(t, "admin"), env.Login(t, "agent_a1"), env.Login(t, "agent_b")
	c := env.Customer(t, "agent_a1", "韩十四", "13500135014")
	all := "07:00-22:00"
	form := url.Values{"name": {"3号工位"}, "kind": {"bay"}, "slot_minutes": {"60"}, "capacity": {"2"}, "active": {"1"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		form.Set("hours_"+d, all)
	}
	if p := wPost(t, agent, env.URL+"/appointment-admin/resources", form); p.status != 403 {
		t.Fatalf("agent adds resource: %d", p.status)
	}
	if p := wPost(t, admin, env.URL+"/appointment-admin/resources", form); p.status != 303 {
		t.Fatalf("admin adds resource: %d %s", p.status, p.body)
	}
	if p := wGet(t, admin, env.URL+"/appointment-admin"); p.status != 200 || !strings.Contains(p.body, "3号工位") || !strings.Contains(p.body, "1440,120") {
		t.Fatalf("admin page: %d", p.status)
	}
	res, err := env.App.Appointments.Resources(ctx, env.Actor("agent_a1"))
	if err != nil || len(res) != 1 {
		t.Fatalf("resources: %+v %v", res, err)
	}
	tk := &task.Task{Title: "保养到期提醒", CustomerID: c.ID, DueOn: env.App.Tasks.Today()}
	if err := env.App.Tasks.Create(ctx, env.Actor("agent_a1"), tk); err != nil {
		t.Fatal(err)
	}
	p := wGet(t, agent, env.URL+"/appointments/new?task="+strconv.FormatInt(tk.ID, 10))
	if p.status != 200 || !strings.Contains(p.body, "韩十四") || !strings.Contains(p.body, "保养到期提醒") {
		t.Fatalf("prefilled form: %d", p.status)
	}
	kinds, _ := env.App.Appointments.Kinds(ctx, env.Actor("agent_a1"))
	var maint int64
	for _, k := range kinds {
		if k.Code == "maintenance" {
			maint = k.ID
		}
	}
	if !strings.Contains(p.body, `value="`+strconv.FormatInt(maint, 10)+`" selected`) {
		t.Fatal("kind not prefilled from the task")
	}
	loc := env.App.Appointments.Location()
	day := time.Now().In(loc).AddDate(0, 0, 2)
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, loc)
	book := url.Values{"customer_id": {strconv.FormatInt(c.ID, 10)}, "kind_id": {strconv.FormatInt(maint, 10)},
		"resource_id": {strconv.FormatInt(res[0].ID, 10)}, "starts_at": {start.Format("2006-01-02T15:04")}, "priority": {"1"},
		"task": {strconv.FormatInt(tk.ID, 10)}}
	// Off the slot grid: refused inline, nothing booked.
	bad := url.Values{}
	for k, v := range book {
		bad[k] = v
	}
	bad.Set("starts_at", start.Add(20*time.Minute).Format("2006-01-02T15:04"))
	if p := wPost(t, agent, env.URL+"/appointments", bad); p.status != 400 {
		t.Fatalf("off grid: %d", p.status)
	}
	p = wPost(t, agent, env.URL+"/appointments", book)
	if p.status != 303 || !strings.HasPrefix(p.loc, "/appointments/") {
		t.Fatalf("book: %d %s", p.status, p.body)
	}
	ap := env.URL + p.loc
	if got, _ := env.App.Tasks.Get(ctx, env.Actor("agent_a1"), tk.ID); got.Status != task.StatusDone || !strings.HasPrefix(got.Outcome, "booked APT-") {
		t.Fatalf("task after booking: %+v", got)
	}
	if p := wGet(t, other, ap); p.status != 404 {
		t.Fatalf("other agent reads: %d", p.status)
	}
	for _, action := range []string{"/confirm", "/arrive", "/no-show", "/cancel", "/reschedule"} {
		f := url.Values{"version": {"1"}, "reason": {"x"}, "starts_at": {start.Add(time.Hour).Format("2006-01-02T15:04")}}
		if p := wPost(t, other, ap+action, f); p.status != 404 {
			t.Fatalf("other agent %s: %d", action, p.status)
		}
	}
	p = wGet(t, agent, ap)
	if p.status != 200 || !strings.Contains(p.body, "APT-") || !strings.Contains(p.body, "/confirm") {
		t.Fatalf("detail: %d", p.status)
	}
	if p := wPost(t, agent, ap+"/confirm", url.Values{"version": {"1"}}); p.status != 303 {
		t.Fatalf("confirm: %d %s", p.status, p.body)
	}
	if p := wPost(t, agent, ap+"/confirm", url.Values{"version": {"2"}}); p.status != 409 {
		t.Fatalf("confirm twice: %d", p.status)
	}
	if p := wPost(t, agent, ap+"/cancel", url.Values{"version": {"2"}}); p.status != 400 {
		t.Fatalf("cancel without reason: %d", p.status)
	}
	p = wGet(t, agent, env.URL+"/appointments?day="+start.Format(time.DateOnly))
	if p.status != 200 || !strings.Contains(p.body, "韩十四") || !strings.Contains(p.body, "3号工位") {
		t.Fatalf("day grid: %d", p.status)
	}
	p = wGet(t, agent, env.URL+"/appointments?format=csv&from="+start.Format(time.DateOnly)+"&to="+start.Format(time.DateOnly))
	if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") || !strings.Contains(p.body, "韩十四") {
		t.Fatalf("list csv: %d %s", p.status, p.body)
	}
	p = wGet(t, agent, env.URL+"/appointments/slots?resource_id="+strconv.FormatInt(res[0].ID, 10)+"&slot_date="+start.Format(time.DateOnly))
	if p.status != 200 || !strings.Contains(p.body, "09:00") {
		t.Fatalf("slots: %d", p.status)
	}
	p = wGet(t, agent, env.URL+"/appointments/customers?q="+url.QueryEscape("韩十四"))
	if p.status != 200 || !strings.Contains(p.body, `name="customer_pick"`) {
		t.Fatalf("customer picker: %d %s", p.status, p.body)
	}
	p = wGet(t, agent, env.URL+"/customers/"+strconv.FormatInt(c.ID, 10))
	if p.status != 200 || !strings.Contains(p.body, "/appointments/new?customer_id=") || !strings.Contains(p.body, "APT-") {
		t.Fatalf("customer page block: %d", p.status)
	}
	if p := wGet(t, agent, env.URL+"/reports/appointments"); p.status != 403 {
		t.Fatalf("agent report: %d", p.status)
	}
	p = wGet(t, admin, env.URL+"/reports/appointments?period=year")
	if p.status != 200 || !strings.Contains(p.body, "80.0%") || !strings.Contains(p.body, `data-chart="success"`) {
		t.Fatalf("report: %d", p.status)
	}
	p = wGet(t, admin, env.URL+"/reports/appointments?format=csv")
	if p.status != 200 || !strings.HasPrefix(p.body, "\ufeff") {
		t.Fatalf("report csv: %d", p.status)
	}
	p = wGet(t, admin, env.URL+"/reports/appointments?format=reliable_csv&year="+strconv.Itoa(start.Year()))
	if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("reliable csv: %d", p.status)
	}
}
