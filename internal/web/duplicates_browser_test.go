package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// TestBrowserMerge walks a manager through the review in headless
// Chromium: scan, open the pair, keep the other record's e-mail, merge, and
// land on the survivor showing where it came from.
func TestBrowserMerge(t *testing.T) {
	ctx := web.NewBrowser(t)
	env := servertest.New(t, sqltest.SQLite(t))
	a1 := env.Actor("agent_a1")
	old := env.Customer(t, "agent_a1", "黄蓉", "13611112222")
	dup := &customer.Customer{Kind: customer.Person, Name: "黄蓉", Phone: "13611112222", Email: "hr@example.com", OwnerID: a1.UserID}
	if err := env.App.Customers.Create(context.Background(), a1, dup); err != nil {
		t.Fatal(err)
	}
	errs := web.ConsoleErrors(t, ctx)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			web.Screenshot(t, ctx, "merge-failed")
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in",
		chromedp.Navigate(env.URL+"/duplicates"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "mgr_a"),
		chromedp.SendKeys(chromedp.CSS("#password"), servertest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#dup-scan")))
	step("scan", chromedp.Click(chromedp.CSS("#dup-scan")), chromedp.WaitVisible(chromedp.CSS(".dup-pair")))
	web.Screenshot(t, ctx, "merge-1-review")
	step("open the merge page",
		chromedp.Click(`//section[contains(@class,"dup-pair")]//a[contains(@href,"/duplicates/merge")]`),
		chromedp.WaitVisible(chromedp.CSS("#merge-form")))
	web.Screenshot(t, ctx, "merge-2-choose")
	step("merge",
		chromedp.Click(chromedp.CSS(`input[name="f.email"][value="merged"]`)),
		chromedp.Click(chromedp.CSS("#merge-submit")),
		chromedp.WaitVisible(chromedp.CSS("#merged-from")))
	web.Screenshot(t, ctx, "merge-3-survivor")
	var text string
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err == nil && strings.Contains(text, dup.Number) && strings.Contains(text, "hr@example.com") && strings.Contains(text, old.Number) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("survivor page: %q (%v)", text, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := errs(); len(got) > 0 {
		t.Fatalf("browser console errors: %v", got)
	}
}
