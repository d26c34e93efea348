package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

var (
	stampRe  = regexp.MustCompile(`name="ts" value="([^"]+)"`)
	numberRe = regexp.MustCompile(`id="ticket-number">([^<]+)<`)
	linkRe   = regexp.MustCompile(`id="status-link" href="[^"]*(/complaint/status/[A-Za-z0-9_-]{43})"`)
)

// anon is a browser without a session that does not follow redirects.
func anon() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, env *servertest.Env, c *http.Client, method, path, lang string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, env.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", env.URL)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(b))
}

// complaintForm fetches the form and returns a filled-in post with its stamp.
func complaintForm(t *testing.T, env *servertest.Env, phone string) url.Values {
	t.Helper()
	resp, page := do(t, env, anon(), "GET", "/complaint", "", nil)
	m := stampRe.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("form: %d, stamp %v", resp.StatusCode, m)
	}
	if !strings.Contains(page, "在线投诉") || strings.Contains(page, `class="sidebar"`) || !strings.Contains(page, "服务质量") {
		t.Fatalf("form page is not the bare zh-CN page with categories:\n%s", page)
	}
	return url.Values{"ts": {m[1]}, "website": {""}, "name": {"钱先生"}, "phone": {phone}, "category_id": {"1"},
		"description": {"网点排队两小时无人处理"}, "demand": {"道歉并改进"}, "contact_time": {"evening"}, "consent": {"1"}}
}

func countTickets(t *testing.T, env *servertest.Env) int {
	t.Helper()
	var n int
	if err := env.Store.DB().QueryRow("SELECT COUNT(*) FROM tickets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPublicComplaintForm files a complaint without signing in and follows
// its status link; bots, the limits and mistakes get what they should.
func TestPublicComplaintForm(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		desk := env.App.PublicComplaints
		desk.MinFill = 0 // the tests post at once; "too fast" sets it back
		ctx := context.Background()

		// A complaint is registered with web_form and a working status link.
		form := complaintForm(t, env, "139 0013 9000")
		resp, page := do(t, env, anon(), "POST", "/complaint", "", form)
		num, link := numberRe.FindStringSubmatch(page), linkRe.FindStringSubmatch(page)
		if resp.StatusCode != 200 || num == nil || link == nil {
			t.Fatalf("submit: %d\n%s", resp.StatusCode, page)
		}
		var id guanxi.ID
		var channel, status, phone string
		var cust *int64
		err := s.DB().QueryRow("SELECT id, channel, status, contact_phone, customer_id FROM tickets WHERE number = '"+num[1]+"'").
			Scan(&id, &channel, &status, &phone, &cust)
		if err != nil || channel != "web_form" || status != "registered" || phone != "13900139000" || cust != nil {
			t.Fatalf("stored ticket: %v %s %s %s %v", err, channel, status, phone, cust)
		}
		resp, page = do(t, env, anon(), "GET", link[1], "", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, num[1]) || !strings.Contains(page, "已收到，等待受理") {
			t.Fatalf("status page: %d\n%s", resp.StatusCode, page)
		}

		// Staff take the steps; the page shows the plain stage and, once
		// fed back, the result, but never names, notes or the phone.
		admin, agent := env.Actor("admin"), env.Actor("agent_a1")
		steps := []ticket.Action{{Step: ticket.StepConfirm}, {Step: ticket.StepRoute, AssigneeID: &agent.UserID},
			{Step: ticket.StepNote, Note: "内部备注：客户情绪激动"}}
		for i, act := range steps {
			if _, err := env.App.Tickets.Act(ctx, admin, id, int64(i+1), act); err != nil {
				t.Fatalf("%s: %v", act.Step, err)
			}
		}
		_, page = do(t, env, anon(), "GET", link[1], "", nil)
		for _, secret := range []string{"李经理", "内部备注", "13900139000", "139****9000", "钱先生", "网点排队"} {
			if strings.Contains(page, secret) {
				t.Errorf("status page shows %q", secret)
			}
		}
		if !strings.Contains(page, "正在处理") {
			t.Errorf("status page stage:\n%s", page)
		}
		for i, act := range []ticket.Action{{Step: ticket.StepHandle, Resolution: "已安排增开窗口"},
			{Step: ticket.StepFeedback, Feedback: "已致电致歉，高峰期增开两个窗口", FeedbackChannel: "phone"}} {
			if _, err := env.App.Tickets.Act(ctx, admin, id, int64(len(steps)+1+i), act); err != nil {
				t.Fatalf("%s: %v", act.Step, err)
			}
		}
		_, page = do(t, env, anon(), "GET", link[1], "en", nil)
		if !strings.Contains(page, "Result given to you") || !strings.Contains(page, "高峰期增开两个窗口") || strings.Contains(page, "已安排增开窗口") {
			t.Errorf("status page after feedback (en):\n%s", page)
		}

		// Unknown and malformed tokens are 404 on the same bare page.
		for _, p := range []string{"/complaint/status/" + strings.Repeat("A", 43), "/complaint/status/short"} {
			if resp, page := do(t, env, anon(), "GET", p, "", nil); resp.StatusCode != 404 || !strings.Contains(page, "未找到该投诉") {
				t.Errorf("%s: %d\n%s", p, resp.StatusCode, page)
			}
		}

		// Bots: the honeypot, a missing or forged stamp, a post faster than
		// a person: the same success page, nothing stored.
		before := countTickets(t, env)
		bots := map[string]func(url.Values){
			"honeypot": func(f url.Values) { f.Set("website", "http://spam.example") },
			"no stamp": func(f url.Values) { f.Del("ts") },
			"forged":   func(f url.Values) { f.Set("ts", strings.Repeat("A", 32)) },
		}
		for name, spoil := range bots {
			f := complaintForm(t, env, "13700137000")
			spoil(f)
			resp, page := do(t, env, anon(), "POST", "/complaint", "", f)
			if resp.StatusCode != 200 || numberRe.FindStringSubmatch(page) == nil || linkRe.FindStringSubmatch(page) == nil {
				t.Errorf("%s: %d, not the success page\n%s", name, resp.StatusCode, page)
			}
		}
		desk.MinFill = time.Hour
		resp, page = do(t, env, anon(), "POST", "/complaint", "", complaintForm(t, env, "13700137000"))
		if resp.StatusCode != 200 || numberRe.FindStringSubmatch(page) == nil {
			t.Errorf("too fast: %d\n%s", resp.StatusCode, page)
		}
		desk.MinFill = 0
		if got := countTickets(t, env); got != before {
			t.Fatalf("bots stored %d tickets", got-before)
		}
		if desk.Dropped() != int64(len(bots)+1) {
			t.Errorf("dropped counter %d", desk.Dropped())
		}

		// Mistakes are shown inline in the page language with what was
		// typed kept; nothing is stored.
		f := complaintForm(t, env, "12345")
		f.Del("consent")
		f.Set("description", "")
		resp, page = do(t, env, anon(), "POST", "/complaint", "en", f)
		if resp.StatusCode != 400 {
			t.Fatalf("invalid: %d", resp.StatusCode)
		}
		for _, want := range []string{"Mobile number: ", "11-digit", "What happened: ", "Please read and accept", `value="钱先生"`, `value="12345"`, "道歉并改进"} {
			if !strings.Contains(page, want) {
				t.Errorf("invalid form lacks %q", want)
			}
		}
		if got := countTickets(t, env); got != before {
			t.Fatal("an invalid form stored a ticket")
		}

		// Over the limit per address: 429 with Retry-After, localised.
		desk.PerAddr = ratelimit.New(1, time.Hour)
		if resp, _ := do(t, env, anon(), "POST", "/complaint", "", complaintForm(t, env, "13600136000")); resp.StatusCode != 200 {
			t.Fatalf("first post: %d", resp.StatusCode)
		}
		resp, page = do(t, env, anon(), "POST", "/complaint", "en", complaintForm(t, env, "13600136000"))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Too many submissions") {
			t.Fatalf("over the limit: %d retry-after %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
		}
		if got := countTickets(t, env); got != before+1 {
			t.Fatalf("tickets %d, want %d", got, before+1)
		}
	})
}

// TestLinkPublicComplaint: a complaint whose phone matched no customer is
// linked by staff who see both; the ticket page offers the step.
func TestLinkPublicComplaint(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	env.App.PublicComplaints.MinFill = 0
	c := env.Customer(t, "agent_a1", "孙七", "13500135000")
	_, page := do(t, env, anon(), "POST", "/complaint", "", complaintForm(t, env, "13300133000"))
	num := numberRe.FindStringSubmatch(page)
	if num == nil {
		t.Fatalf("submit:\n%s", page)
	}
	var id guanxi.ID
	if err := env.Store.DB().QueryRow("SELECT id FROM tickets WHERE number = '" + num[1] + "'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	admin := env.Login(t, "admin")
	path := fmt.Sprintf("/tickets/%d", id)
	if resp, page := do(t, env, admin, "GET", path, "", nil); resp.StatusCode != 200 || !strings.Contains(page, `id="link-customer"`) {
		t.Fatalf("ticket page: %d", resp.StatusCode)
	}
	// Without a query the complainant's phone is searched but never shown
	// in full: not in the search box, not anywhere on the page.
	if resp, page := do(t, env, admin, "GET", path+"/customer", "", nil); resp.StatusCode != 200 ||
		strings.Contains(page, "13300133000") || !strings.Contains(page, "133****3000") {
		t.Fatalf("default link page shows the phone: %d", resp.StatusCode)
	}
	resp, page := do(t, env, admin, "GET", path+"/customer?q=孙七", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, c.Number) || strings.Contains(page, "13500135000") {
		t.Fatalf("link page: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = do(t, env, admin, "POST", path+"/customer", "", url.Values{"version": {"1"}, "customer_id": {fmt.Sprint(c.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d", resp.StatusCode)
	}
	tk, err := env.App.Tickets.Get(context.Background(), guanxi.SystemActor("t"), id)
	if err != nil || tk.CustomerID == nil || *tk.CustomerID != c.ID {
		t.Fatalf("after link: %+v %v", tk.CustomerID, err)
	}
	// Linked once: a second post is a conflict shown on the page.
	if resp, _ := do(t, env, admin, "POST", path+"/customer", "", url.Values{"version": {"2"}, "customer_id": {fmt.Sprint(c.ID)}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second link: %d", resp.StatusCode)
	}
}

// TestUnreadBadge: the layout shows the signed-in user's unread count,
// capped at 99+, and nothing once read.
func TestUnreadBadge(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Customer(t, "agent_a1", "吴九", "13500135000")
	seedWebTickets(t, env, c.ID)
	agent := env.Login(t, "agent_a1")
	badge := regexp.MustCompile(`id="unread-badge"[^>]*>([^<]+)<`)
	_, page := do(t, env, agent, "GET", "/customers", "", nil)
	if m := badge.FindStringSubmatch(page); m == nil || m[1] == "0" {
		t.Fatalf("no badge: %v", m)
	}
	uid := env.Users["agent_a1"].ID
	for i := range 120 {
		q := "INSERT INTO notifications (user_id, kind, args, dedupe, created_at, version) VALUES (?, 'assigned', '{}', ?, ?, 1)"
		if env.Store.Dialect() == sqlstore.Postgres {
			q = "INSERT INTO notifications (user_id, kind, args, dedupe, created_at, version) VALUES ($1, 'assigned', '{}', $2, $3, 1)"
		}
		if _, err := env.Store.DB().Exec(q, uid, fmt.Sprint("t", i), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	_, page = do(t, env, agent, "GET", "/customers", "", nil)
	if m := badge.FindStringSubmatch(page); m == nil || m[1] != "99+" {
		t.Fatalf("capped badge: %v", m)
	}
	if resp, _ := do(t, env, agent, "POST", "/notifications/read-all", "", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("read all: %d", resp.StatusCode)
	}
	if _, page = do(t, env, agent, "GET", "/customers", "", nil); badge.MatchString(page) {
		t.Fatal("badge after reading all")
	}
	// Signed-out pages have no badge and ask for no count.
	if _, page = do(t, env, anon(), "GET", "/complaint", "", nil); badge.MatchString(page) {
		t.Fatal("badge on the public page")
	}
}
