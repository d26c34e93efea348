package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// TestBrowserJourney drives the real server (every middleware, CSP included)
// in headless Chromium: sign in, search by pinyin initials, open the
// customer, edit a field and see the change in its history.
func TestBrowserJourney(t *testing.T) {
	ctx := web.NewBrowser(t)
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Customer(t, "agent_a1", "张三丰", "13812345678")
	env.Customer(t, "agent_a1", "李四", "13900001111")
	errs := web.ConsoleErrors(t, ctx)

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			web.Screenshot(t, ctx, "journey-failed")
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("login page", chromedp.Navigate(env.URL+"/customers"), chromedp.WaitVisible(chromedp.CSS("#username")))
	web.Screenshot(t, ctx, "journey-1-login")
	step("sign in",
		chromedp.SendKeys(chromedp.CSS("#username"), "agent_a1"),
		chromedp.SendKeys(chromedp.CSS("#password"), servertest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#results")))

	// Typing initials updates the table in place through htmx.
	web.WaitHTMX(t, ctx)
	step("search by initials",
		chromedp.SendKeys(chromedp.CSS("#q"), "zsf"),
		chromedp.WaitNotPresent(`//div[@id="results"]//a[normalize-space()="李四"]`),
		chromedp.WaitVisible(`//div[@id="results"]//a[normalize-space()="张三丰"]`))
	// Keystrokes slower than the input delay send "z" and "zs" too; wait for
	// the last response before clicking, or the link may be swapped away.
	web.WaitSettled(t, ctx, "q=zsf")
	web.Screenshot(t, ctx, "journey-2-search")

	step("open the customer",
		chromedp.Click(`//div[@id="results"]//a[normalize-space()="张三丰"]`),
		chromedp.WaitVisible(chromedp.CSS("#history")))
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#customer-name")))
	if err != nil || !strings.Contains(name, "张三丰") {
		t.Fatalf("customer page shows %q (%v)", name, err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#profile")))
	if err != nil || strings.Contains(page, "13812345678") || !strings.Contains(page, "138****5678") {
		t.Fatalf("profile must show the masked mobile: %q (%v)", page, err)
	}

	step("edit",
		chromedp.Click(chromedp.CSS("#edit-customer")),
		chromedp.WaitVisible(chromedp.CSS("#customer-form")),
		chromedp.SendKeys(chromedp.CSS("#f-source"), "老客户介绍"),
		chromedp.Click(chromedp.CSS("#save-customer")),
		chromedp.WaitVisible(chromedp.CSS("#history")))
	web.Screenshot(t, ctx, "journey-3-history")

	var history string
	deadline := time.Now().Add(10 * time.Second)
	for {
		history, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#history")))
		if err == nil && strings.Contains(history, "来源") && strings.Contains(history, "老客户介绍") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("history of %s lacks the edit: %q (%v)", c.Number, history, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := errs(); len(got) > 0 {
		t.Fatalf("browser console errors (CSP?): %v", got)
	}
}
