package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestWebBreachQuery: an agent views customers on the web and reads one
// through the API; the auditor's breach page lists exactly those customers
// with a count per way and links the CSV; an agent gets 403; bad dates
// are named inline; under mlps3 the administrator is refused.
func TestWebBreachQuery(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c1 := env.Customer(t, "agent_a1", "=HYPERLINK(1)", "13500135101")
		c2 := env.Customer(t, "agent_a1", "追查乙", "13500135102")
		c3 := env.Customer(t, "agent_b", "追查丙", "13500135103") // agent_a1 never sees it
		agent, auditor, admin := env.Login(t, "agent_a1"), env.Login(t, "auditor"), env.Login(t, "admin")
		for _, id := range []int64{c1.ID, c1.ID} {
			if p := wGet(t, agent, fmt.Sprintf("%s/customers/%d", env.URL, id)); p.status != 200 {
				t.Fatalf("view %d: %d", id, p.status)
			}
		}
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/customers/%d", env.URL, c2.ID), nil)
		req.Header.Set("Authorization", "Bearer "+env.Token(t, "agent_a1"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("api read: %v %v", resp, err)
		}
		resp.Body.Close()
		if err := env.App.Access.Flush(); err != nil {
			t.Fatal(err)
		}

		if p := wGet(t, auditor, env.URL+"/audit"); p.status != 200 || !strings.Contains(p.body, `href="/audit/breach"`) || !strings.Contains(p.body, `href="/audit/retention"`) {
			t.Fatalf("audit page links: %d", p.status)
		}
		if p := wGet(t, auditor, env.URL+"/audit/breach"); p.status != 200 || strings.Contains(p.body, `id="breach-rows"`) {
			t.Fatalf("empty form: %d", p.status)
		}
		today := time.Now().In(shanghai(t)).Format(time.DateOnly)
		q := url.Values{"user": {"agent_a1"}, "from": {today}, "to": {today}}
		p := wGet(t, auditor, env.URL+"/audit/breach?"+q.Encode())
		if p.status != 200 || !strings.Contains(p.body, "共 2 位客户") || strings.Contains(p.body, "accesslog.") {
			t.Fatalf("breach page: %d %s", p.status, p.body)
		}
		rows := breachRows(p.body)
		if len(rows) != 2 || strings.Contains(p.body, c3.Number) {
			t.Fatalf("rows: %v", rows)
		}
		for id, want := range map[int64]map[string]string{
			c1.ID: {"web_view": "2", "api_get": "0", "list": "0"},
			c2.ID: {"web_view": "0", "api_get": "1", "list": "0"},
		} {
			got := rows[id]
			for via, n := range want {
				if got[via] != n {
					t.Errorf("customer %d %s: %q, want %s (%v)", id, via, got[via], n, got)
				}
			}
		}
		link := "/audit/breach.csv?" + q.Encode()
		if !strings.Contains(p.body, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
			t.Fatalf("no CSV link %q", link)
		}
		// The same by user id gives the same customers.
		byID := url.Values{"user": {fmt.Sprint(env.Users["agent_a1"].ID)}, "from": {today}, "to": {today}}
		if p := wGet(t, auditor, env.URL+"/audit/breach?"+byID.Encode()); p.status != 200 || len(breachRows(p.body)) != 2 {
			t.Fatalf("by id: %d", p.status)
		}

		p = wGet(t, auditor, env.URL+link)
		if p.status != 200 || !strings.HasPrefix(p.body, "\xEF\xBB\xBF") || !strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %.200q", p.status, p.body)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\xEF\xBB\xBF"))).ReadAll()
		if err != nil || len(recs) != 3 || !slices.Contains(recs[0], "页面查看") {
			t.Fatalf("csv records: %v %q", err, recs)
		}
		for _, r := range recs[1:] {
			if r[0] == fmt.Sprint(c1.ID) && (r[2] != "'=HYPERLINK(1)" || r[3] != "2") {
				t.Fatalf("csv row of c1: %q", r)
			}
		}

		if p := wGet(t, agent, env.URL+"/audit/breach?"+q.Encode()); p.status != http.StatusForbidden {
			t.Fatalf("agent: %d", p.status)
		}
		if p := wGet(t, agent, env.URL+link); p.status != http.StatusForbidden {
			t.Fatalf("agent csv: %d", p.status)
		}
		bad := url.Values{"user": {"nobody"}, "from": {"2026-02-30"}, "to": {"x"}}
		p = wGet(t, auditor, env.URL+"/audit/breach?"+bad.Encode())
		if p.status != http.StatusBadRequest || strings.Count(p.body, "日期格式应为 YYYY-MM-DD") < 2 || !strings.Contains(p.body, "没有该 ID 或登录名的用户") {
			t.Fatalf("bad input: %d %s", p.status, p.body)
		}
		rev := url.Values{"user": {"agent_a1"}, "from": {today}, "to": {time.Now().In(shanghai(t)).AddDate(0, 0, -2).Format(time.DateOnly)}}
		if p := wGet(t, auditor, env.URL+"/audit/breach?"+rev.Encode()); p.status != http.StatusBadRequest || !strings.Contains(p.body, "结束时间必须晚于开始时间") {
			t.Fatalf("to before from: %d", p.status)
		}
		if p := wGet(t, auditor, env.URL+"/audit/breach.csv?"+bad.Encode()); p.status != http.StatusBadRequest {
			t.Fatalf("bad csv: %d", p.status)
		}

		// mlps3: the administrator keeps audit.read but is refused.
		if p := wGet(t, admin, env.URL+"/audit/breach?"+q.Encode()); p.status != 200 {
			t.Fatalf("admin: %d", p.status)
		}
		setProfile(t, env, "mlps3")
		for _, u := range []string{"/audit/breach?" + q.Encode(), link, "/audit/retention"} {
			if p := wGet(t, admin, env.URL+u); p.status != http.StatusForbidden {
				t.Fatalf("admin under mlps3 %s: %d", u, p.status)
			}
		}
		if p := wGet(t, auditor, env.URL+"/audit/breach?"+q.Encode()); p.status != 200 {
			t.Fatalf("auditor under mlps3: %d", p.status)
		}
	})
}

// TestWebAuditRetention: the page shows the legal minimum; a shorter
// retention is refused inline (and the attempt audited), a longer one is
// saved and audited; an agent and, under mlps3, the administrator get 403.
func TestWebAuditRetention(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		auditor, agent, admin := env.Login(t, "auditor"), env.Login(t, "agent_a1"), env.Login(t, "admin")
		const u = "/audit/retention"
		p := wGet(t, auditor, env.URL+u)
		if p.status != 200 || !strings.Contains(p.body, "法定最低 180 天") || !strings.Contains(p.body, `name="days" value="365"`) {
			t.Fatalf("page: %d %s", p.status, p.body)
		}
		if p := wGet(t, agent, env.URL+u); p.status != http.StatusForbidden {
			t.Fatalf("agent: %d", p.status)
		}
		if p := wPost(t, agent, env.URL+u, url.Values{"days": {"400"}, "version": {"0"}}); p.status != http.StatusForbidden {
			t.Fatalf("agent post: %d", p.status)
		}
		protect := webAuditRows(t, env, "audit.protect", "audit.retention_days")
		p = wPost(t, auditor, env.URL+u, url.Values{"days": {"30"}, "version": {"0"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "审计记录至少保留 180 天") || !strings.Contains(p.body, `value="30"`) {
			t.Fatalf("below minimum: %d %s", p.status, p.body)
		}
		if n := webAuditRows(t, env, "audit.protect", "audit.retention_days"); n != protect+1 {
			t.Fatalf("refusal audited %d times", n-protect)
		}
		if p := wPost(t, auditor, env.URL+u, url.Values{"days": {"abc"}, "version": {"0"}}); p.status != http.StatusBadRequest {
			t.Fatalf("not a number: %d", p.status)
		}
		changes := webAuditRows(t, env, "settings_change", "audit.retention_days")
		if p := wPost(t, auditor, env.URL+u, url.Values{"days": {"400"}, "version": {"0"}}); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.body)
		}
		if n := webAuditRows(t, env, "settings_change", "audit.retention_days"); n != changes+1 {
			t.Fatalf("change audited %d times", n-changes)
		}
		if p := wGet(t, auditor, env.URL+u); !strings.Contains(p.body, `name="days" value="400"`) || !strings.Contains(p.body, `name="version" value="1"`) {
			t.Fatalf("after save: %s", p.body)
		}
		if p := wPost(t, auditor, env.URL+u, url.Values{"days": {"500"}, "version": {"0"}}); p.status != http.StatusPreconditionFailed {
			t.Fatalf("stale: %d", p.status)
		}
		setProfile(t, env, "mlps3")
		protect = webAuditRows(t, env, "audit.protect", "audit.retention_days")
		if p := wPost(t, admin, env.URL+u, url.Values{"days": {"400"}, "version": {"1"}}); p.status != http.StatusForbidden {
			t.Fatalf("admin under mlps3: %d", p.status)
		}
		if n := webAuditRows(t, env, "audit.protect", "audit.retention_days"); n != protect+1 {
			t.Fatalf("admin's refused attempt audited %d times", n-protect)
		}
	})
}

var (
	breachRowRe  = regexp.MustCompile(`(?s)<tr>\s*<td class="mono"><a href="/customers/(\d+)">.*?</tr>`)
	breachCellRe = regexp.MustCompile(`data-via="([a-z_]+)">(\d+)</td>`)
)

// breachRows reads the results table: customer id → way → count.
func breachRows(body string) map[int64]map[string]string {
	out := map[int64]map[string]string{}
	i := strings.Index(body, `id="breach-rows"`)
	if i < 0 {
		return out
	}
	for _, m := range breachRowRe.FindAllStringSubmatch(body[i:], -1) {
		var id int64
		fmt.Sscan(m[1], &id)
		out[id] = map[string]string{}
		for _, c := range breachCellRe.FindAllStringSubmatch(m[0], -1) {
			out[id][c[1]] = c[2]
		}
	}
	return out
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// setProfile switches the security profile (settings service, audited).
func setProfile(t *testing.T, env *servertest.Env, profile string) {
	t.Helper()
	if err := env.App.Settings.Set(t.Context(), env.Actor("admin"), "auth.password_policy", profile, 0); err != nil {
		t.Fatal(err)
	}
}

func webAuditRows(t *testing.T, env *servertest.Env, action, detail string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM audit_log WHERE action = ? AND detail LIKE ?"
	if env.Store.Dialect() == sqlstore.Postgres {
		q = "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND detail LIKE $2"
	}
	if err := env.Store.DB().QueryRow(q, action, "%"+detail+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
