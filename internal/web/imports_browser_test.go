package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// importSheet is a GBK customer sheet of n rows, the fifth with a bad mobile.
func importSheet(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("客户名称,手机号,地址,生日,贷款余额(元)\r\n")
	for i := range n {
		mobile := fmt.Sprintf("139%08d", i+1)
		if i == 4 {
			mobile = "12345"
		}
		fmt.Fprintf(&b, "客户%04d,%s,杭州市西湖区文三路%d号,1980-1-%d,%d.50\r\n", i+1, mobile, i+1, i%28+1, i*100)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "客户名单.csv")
	if err := os.WriteFile(path, gbk, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserImport uploads a file through the file input, changes one
// mapping select, checks again (htmx), starts, and watches the progress
// reach 100 % and the summary without a reload; then the same pages in
// English. Screenshots go to GUANXI_SCREENSHOTS as import-*.png.
func TestBrowserImport(t *testing.T) {
	ctx := web.NewBrowser(t)
	env := servertest.New(t, sqltest.SQLite(t))
	file := importSheet(t, 500) // small: CI runs this under -race beside other packages

	// The runner the server schedules, ticking while the browser watches.
	var runner func(context.Context, time.Time) error
	for _, p := range env.App.Periodic {
		if strings.Contains(strings.ToLower(p.Name), "import") {
			runner = p.Run
		}
	}
	if runner == nil {
		t.Fatal("no import runner among the periodic jobs")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
				if err := runner(context.Background(), time.Now()); err != nil {
					t.Errorf("import runner: %v", err)
				}
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })

	errs := web.ConsoleErrors(t, ctx)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			web.Screenshot(t, ctx, "import-failed")
			t.Fatalf("%s: %v", name, err)
		}
	}
	poll := func(name, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
			web.Screenshot(t, ctx, "import-failed")
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in", chromedp.Navigate(env.URL+"/imports/new"), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), servertest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")))
	web.WaitHTMX(t, ctx)
	web.Screenshot(t, ctx, "import-new-zh")
	step("upload", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-form")))
	web.WaitHTMX(t, ctx)
	poll("auto-mapped", `document.getElementById("map-0").value === "name" && document.getElementById("map-2").value === "address"`)
	web.Screenshot(t, ctx, "import-map-zh")

	// Ignore the address column and check again: the form is swapped in place.
	step("ignore address", chromedp.Evaluate[chromedp.Void](`window.__same = 1; document.getElementById("import-form").dataset.old = "1"`),
		chromedp.SetValue(chromedp.CSS("#map-2"), ""),
		chromedp.Click(chromedp.CSS("#check-again")))
	poll("re-checked", `!document.getElementById("import-form").dataset.old && window.__same === 1 &&
		document.getElementById("map-2").value === "" && document.querySelector(".htmx-request") === null`)

	// Start, then watch the progress fragment reach the summary in place.
	step("start", chromedp.Click(chromedp.CSS("#start-import")), chromedp.WaitVisible(chromedp.CSS("#import-progress")))
	step("mark page", chromedp.Evaluate[chromedp.Void](`window.__same = 1`))
	poll("done", `window.__same === 1 && !!document.getElementById("import-summary") &&
		document.getElementById("import-percent").textContent.trim() === "100 %"`)
	if n, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#n-created"))); err != nil || strings.TrimSpace(n) != "499" {
		t.Fatalf("created rows: %q %v", n, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#n-bad"))); err != nil || strings.TrimSpace(n) != "1" {
		t.Fatalf("bad rows: %q %v", n, err)
	}
	web.Screenshot(t, ctx, "import-done-zh")

	// The same pages in English.
	step("english", chromedp.Click(chromedp.CSS(`.langswitch button[value="en"]`)))
	// The switch navigates: evaluating during the load may fail, so retry.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.lang === "en" && document.readyState === "complete" && !!document.getElementById("import-summary")`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the English page did not load: %v", err)
		}
	}
	if text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#import-summary"))); err != nil || !strings.Contains(text, "Import done") {
		t.Fatalf("English summary: %q %v", text, err)
	}
	web.Screenshot(t, ctx, "import-done-en")
	step("list", chromedp.Navigate(env.URL+"/imports"), chromedp.WaitVisible(chromedp.CSS("#imports")))
	web.Screenshot(t, ctx, "import-list-en")
	step("upload again", chromedp.Navigate(env.URL+"/imports/new"), chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-form")))
	web.Screenshot(t, ctx, "import-map-en")
	step("phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#import-form")))
	web.Screenshot(t, ctx, "import-map-phone")
	if e := errs(); len(e) > 0 {
		t.Fatalf("console errors: %v", e)
	}
}
