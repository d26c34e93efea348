package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// xssPayloads each mark the page (an attribute or script text holding
// "__xss", or a request to /xss-hx) if they become markup instead of text.
var xssPayloads = []string{
	`<script>window.__xss=1</script>`,
	`<img src=x onerror="window.__xss=2">`,
	`"><svg onload=window.__xss=3>`,
	`'><iframe srcdoc="<script>parent.__xss=4</script>"></iframe>`,
	`javascript:window.__xss=5`,
	`</textarea><script>window.__xss=6</script>`,
	`</title><script>window.__xss=7</script>`,
	`<a href="javascript:window.__xss=8">x</a>`,
	`<div hx-get="/xss-hx" hx-trigger="load">__xss9</div>`,
	`" autofocus onfocus="window.__xss=10`,
	`' onmouseover='window.__xss=11`,
	`<math><mi xlink:href="javascript:window.__xss=12">x</mi></math>`,
	"\u2028</script><script>window.__xss=13</script>",
	`{{.}}{{template "x"}}<!--__xss14-->`,
	`<style>*{background:url("/xss-hx")}</style>`,
}

// injectedJS reports nodes that a payload made: an event handler, htmx or
// style attribute holding the marker, a javascript: link, a script, iframe
// or style element or a comment holding it, or the marker set by running.
const injectedJS = `(() => {
  const bad = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const n = a.name.toLowerCase(), v = a.value.trim().toLowerCase();
      const marked = v.includes('__xss') || v.includes('/xss-hx');
      // Escaped text in value, title or aria-label is fine; markup is not.
      if ((marked && (n.startsWith('on') || n.startsWith('hx-') || n === 'style' || n === 'srcdoc')) ||
          (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n) && v.startsWith('javascript:'))) bad.push(e.tagName + '[' + a.name + ']');
    }
    if ((e.tagName === 'SCRIPT' || e.tagName === 'IFRAME' || e.tagName === 'STYLE') && (e.textContent + (e.getAttribute('srcdoc')||'')).match(/__xss|xss-hx/)) bad.push(e.tagName);
  }
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_COMMENT);
  while (walker.nextNode()) if (walker.currentNode.data.includes('__xss')) bad.push('comment');
  if (window.__xss) bad.push('executed ' + window.__xss);
  return bad.join(', ');
})()`

// TestStoredXSSBrowser (TESTPLAN C5) writes the payload corpus into every
// free-text field of customers, contacts, holdings, interactions and
// complaints through the API, then opens the main views in headless
// Chromium under the server's CSP. No payload may become markup (checked in
// the DOM, so a template bug shows even where the CSP would block the
// script), none may run, and the browser reports no CSP violation (which
// an injected inline script would cause).
func TestStoredXSSBrowser(t *testing.T) {
	ctx := web.NewBrowser(t)
	env := servertest.New(t, sqltest.SQLite(t))
	tok := env.Token(t, "agent_a1")
	post := func(path string, body map[string]any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", env.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	// create posts body, dropping the fields the domain refuses (an address
	// that is not a province, say) until it is accepted.
	create := func(path string, body map[string]any) int64 {
		t.Helper()
		var last map[string]any
		for range 12 {
			st, m := post(path, body)
			if st == 201 || st == 200 {
				return int64(m["id"].(float64))
			}
			last = m
			errs, _ := m["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("%s: %d %v", path, st, m)
			}
			for _, e := range errs {
				f := strings.TrimPrefix(e.(map[string]any)["location"].(string), "body.")
				f, _, _ = strings.Cut(f, "[")
				f, _, _ = strings.Cut(f, ".")
				delete(body, f)
			}
		}
		t.Fatalf("%s: not accepted: %v", path, last)
		return 0
	}
	var ids []int64
	var tickets []int64
	for i, p := range xssPayloads {
		text := map[string]any{}
		for _, f := range []string{"name", "address", "source", "notes", "wechat", "province", "city", "district", "grade", "gender"} {
			text[f] = p
		}
		text["name"] = fmt.Sprintf("X%d%s", i, p)
		text["tags"] = []string{p}
		id := create("/api/v1/customers", text)
		ids = append(ids, id)
		base := fmt.Sprintf("/api/v1/customers/%d", id)
		create(base+"/contacts", map[string]any{"name": p, "title": p, "phone": p, "email": p, "notes": p})
		create(base+"/holdings", map[string]any{"kind": "loan", "name": p, "notes": p})
		create(base+"/interactions", map[string]any{"channel": "phone", "summary": p, "occurred_at": "2026-01-02T03:04:05Z", "next_action": p})
		tickets = append(tickets, create("/api/v1/tickets", map[string]any{"channel": "phone", "subject": p, "description": p,
			"demand": p, "contact_name": p, "customer_id": id}))
	}

	errs := web.ConsoleErrors(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), servertest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#results"))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	pages := []string{"/customers", "/customers?q=X1", "/trash", "/audit", "/tickets"}
	for _, id := range ids[:4] {
		pages = append(pages, fmt.Sprintf("/customers/%d", id), fmt.Sprintf("/customers/%d/edit", id),
			fmt.Sprintf("/customers/%d/transfer", id))
	}
	for _, id := range ids {
		pages = append(pages, fmt.Sprintf("/customers/%d", id))
	}
	for _, id := range tickets {
		pages = append(pages, fmt.Sprintf("/tickets/%d", id))
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+p), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		bad, err := chromedp.Run(ctx, chromedp.Evaluate[string](injectedJS))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if bad != "" {
			web.Screenshot(t, ctx, "xss-failed")
			t.Errorf("%s: payload became markup: %s", p, bad)
		}
	}
	// The payloads did reach the pages, as text.
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(body, "xss") {
		t.Errorf("the last page does not show the payload as text: %v", err)
	}
	if got := errs(); len(got) > 0 {
		t.Errorf("browser console errors (an injected script or a CSP violation): %v", got)
	}
}
