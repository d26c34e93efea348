package web

// Browser helpers, exported to the external browser journey test
// (browser_test.go, package web_test).

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// NewBrowser starts headless Chromium for one test. Without Chromium the
// test is skipped, unless GUANXI_REQUIRE_BROWSER=1 (CI), where it fails.
func NewBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("GUANXI_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not found but GUANXI_REQUIRE_BROWSER=1: apt-get install -y chromium fonts-wqy-zenhei")
		}
		t.Skip("browser test skipped: chromium is not installed (apt-get install -y chromium fonts-wqy-zenhei)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Screenshot saves a full-page PNG when GUANXI_SCREENSHOTS names a folder.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GUANXI_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// WaitHTMX waits until the page has loaded and htmx has started, so typed
// input is not lost to a page that is visible but not yet scripted.
func WaitHTMX(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete" && !!window.htmx`)); err != nil {
		t.Fatalf("htmx did not start: %v", err)
	}
}

// WaitSettled waits until the address bar carries want (htmx pushes the
// URL after its last swap) and no htmx request is in flight, so a node found
// afterwards is not replaced by a late response.
func WaitSettled(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	js := `location.href.includes(` + strconv.Quote(want) + `) && document.querySelector(".htmx-request") === null`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		t.Fatalf("page did not settle on %s: %v", want, err)
	}
}

// ConsoleErrors collects the page's console errors, exceptions and browser
// log errors (a CSP violation is one) until the test ends.
func ConsoleErrors(t *testing.T, ctx context.Context) func() []string {
	var mu sync.Mutex
	var out []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				out = append(out, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), out...)
	}
}

// TestBrowserPages renders the main pages in Chromium, under the server's
// CSP, with a test actor, and fails on any console error. Screenshots go to
// GUANXI_SCREENSHOTS when set, for looking at the UI.
func TestBrowserPages(t *testing.T) {
	ctx := NewBrowser(t)
	e := newTestEnv(t)
	for _, c := range []url.Values{
		{"kind": {"person"}, "name": {"张三"}, "mobile": {"13812345678"}, "stage": {"customer"}, "market": {"personal"},
			"industry": {"finance"}, "tags": {"VIP,老客户"}, "province": {"浙江省"}, "city": {"杭州市"}, "id_type": {"resident_id"},
			"id_number": {"11010519491231002X"}},
		{"kind": {"org"}, "name": {"杭州西湖茶业有限公司"}, "stage": {"prospect"}, "market": {"corporate"}, "industry": {"agriculture"}},
		{"kind": {"person"}, "name": {"曾小红"}, "mobile": {"13900001111"}, "stage": {"dormant"}},
	} {
		if r := e.do(t, "admin", "POST", "/customers", c); r.status != http.StatusSeeOther {
			t.Fatalf("seed: %d %s", r.status, r.body)
		}
	}
	if r := e.do(t, "admin", "POST", "/customers/1", url.Values{"version": {"1"}, "kind": {"person"}, "name": {"张三"}, "stage": {"customer"},
		"market": {"personal"}, "industry": {"finance"}, "tags": {"VIP,老客户"}, "province": {"浙江省"}, "city": {"杭州市"},
		"id_type": {"resident_id"}, "grade": {"A"}}); r.status != http.StatusSeeOther {
		t.Fatalf("seed edit: %d %s", r.status, r.body)
	}
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "test_user", Value: "admin", URL: e.srv.URL}); err != nil {
		t.Fatal(err)
	}
	errs := ConsoleErrors(t, ctx)
	pages := []struct{ name, path, wait string }{
		{"customers", "/customers", "#results"},
		{"customer", "/customers/1", "#history"},
		{"customer_edit", "/customers/1/edit", "#customer-form"},
		{"customer_new_org", "/customers/new?kind=org", "#customer-form"},
		{"trash", "/trash", "#results"},
		{"fields", "/admin/fields", "main"},
	}
	if e.app.Staff != nil {
		pages = append(pages, []struct{ name, path, wait string }{
			{"users", "/admin/users", "main"}, {"user_edit", "/admin/users/2", "#reset"},
			{"org", "/admin/org", "main"}, {"settings", "/admin/settings", "main"}, {"profile", "/profile", "#tokens"},
		}...)
	}
	if e.app.Audit != nil {
		pages = append(pages, struct{ name, path, wait string }{"audit", "/audit", "main"})
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		Screenshot(t, ctx, p.name)
	}
	// Typing in the search box updates the table in place (htmx).
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/customers"), chromedp.WaitVisible(chromedp.CSS("#q"))); err != nil {
		t.Fatal(err)
	}
	WaitHTMX(t, ctx)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#q"), "曾"),
		chromedp.WaitNotPresent(`//div[@id="results"]//a[normalize-space()="张三"]`)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, "q=") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search did not push the URL: %q %v", loc, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.srv.URL+"/customers/1"),
		chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "customer_phone")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/customers?stage=customer"), chromedp.WaitVisible(chromedp.CSS("#results"))); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "customers_phone")
	// The agent works in English and sees the customer transferred to it.
	if r := e.do(t, "admin", "POST", "/customers/1/transfer", url.Values{"to_owner_id": {"2"}, "reason": {"岗位调整"}}); r.status != http.StatusSeeOther {
		t.Fatalf("transfer: %d %s", r.status, r.body)
	}
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "test_user", Value: "agent", URL: e.srv.URL}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/customers/1"),
		chromedp.WaitVisible(chromedp.CSS("#history"))); err != nil {
		t.Fatal(err)
	}
	Screenshot(t, ctx, "customer_en")
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#transfers")))
	if err != nil || !strings.Contains(text, "岗位调整") || !strings.Contains(text, "Reason") {
		t.Fatalf("transfers section: %q %v", text, err)
	}
	if got := errs(); len(got) > 0 {
		t.Fatalf("browser console errors: %v", got)
	}
}
