package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// TestBrowserComplaintAnalytics draws the analysis in Chromium under the
// real CSP: every chart gets a canvas and the console stays clean.
func TestBrowserComplaintAnalytics(t *testing.T) {
	ctx := web.NewBrowser(t)
	s := sqltest.SQLite(t)
	env := servertest.New(t, s)
	bg := context.Background()
	c := env.Customer(t, "agent_a1", "吴十", "13600136002")
	causes := []string{"柜员态度", "系统故障", "收费规则不清", ""}
	for i := range 24 {
		id, cat := c.ID, int64(2+i%8)
		tk := &ticket.Ticket{Channel: ticket.Channels[i%4], Subject: "投诉", Description: "内容", CustomerID: &id, CategoryID: &cat}
		if err := env.App.Tickets.Register(bg, env.Actor("agent_a1"), tk); err != nil {
			t.Fatal(err)
		}
		received := time.Now().UTC().AddDate(0, -i%6, -i)
		fr := received.Add(time.Duration(1+i*3) * time.Hour)
		res := fr.Add(time.Duration(i*7) * time.Hour)
		status, closed, sat := "handled", any(nil), any(nil)
		if i%3 == 0 {
			status, closed, sat = "closed", res.Add(time.Hour), 1+i%5
		}
		if _, err := s.DB().Exec(`UPDATE tickets SET received_at = ?, first_response_at = ?, resolved_at = ?, status = ?, closed_at = ?,
			satisfaction = ?, root_cause = ?, first_contact_resolution = ?, org_unit_id = ?,
			first_response_minutes = ?, resolution_minutes = ? WHERE id = ?`,
			received, fr, res, status, closed, sat, causes[i%4], i%2, env.Units["branch_a"].ID,
			int64(fr.Sub(received)/time.Minute), int64(res.Sub(received)/time.Minute), tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	errs := web.ConsoleErrors(t, ctx)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			web.Screenshot(t, ctx, "analytics-failed")
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in", chromedp.Navigate(env.URL+"/tickets/analytics"), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "mgr_a"),
		chromedp.SendKeys(chromedp.CSS("#password"), servertest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#kpis")))
	for _, id := range []string{"volume", "categories", "subcategories", "units", "staff", "root_causes", "first_response", "resolution"} {
		step("chart "+id, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-chart=%q] canvas`, id))))
	}
	step("animations end", chromedp.Sleep(1500*time.Millisecond))
	web.Screenshot(t, ctx, "complaint-analytics")
	if e := errs(); len(e) > 0 {
		t.Fatalf("console errors: %v", e)
	}
}
