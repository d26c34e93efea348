package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// testEnv is the web surface on a real SQLite store, with the actor put in
// the context by a header instead of the server's session middleware (this
// package's tests must not depend on internal/server).
type testEnv struct {
	srv   *httptest.Server
	app   *app.App
	store *sqlstore.Store
	admin guanxi.Actor
	agent guanxi.Actor
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	s := sqltest.SQLite(t)
	ctx := context.Background()
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	for _, q := range []string{
		"INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (1, NULL, '总行', 'head_office', '/1/', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (1, 'admin', '管理员', 'admin', 1, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (2, 'agent', '李客户经理', 'agent', 1, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{Customers: &customer.Service{Store: s}, I18n: b, Sessions: scs.New(), Clock: time.Now, Version: "test"}
	// The staff, auth and settings stores are written in parallel; wire
	// them once sqlstore implements them.
	ss, ok1 := any(s).(settings.Store)
	as, ok2 := any(s).(auth.Store)
	st, ok3 := any(s).(staff.Store)
	if ok1 && ok2 && ok3 {
		a.Settings = &settings.Service{Store: ss}
		a.Auth = &auth.Service{Store: as, Settings: a.Settings, Now: time.Now}
		a.Staff = &staff.Service{Store: st, Hash: auth.HashPassword, CheckPolicy: a.Auth.CheckPolicy}
	}
	// The audit store is written in parallel; use it once it exists.
	if as, ok := any(s).(audit.Store); ok {
		a.Audit = &audit.Service{Store: as}
	}
	env := &testEnv{app: a, store: s,
		admin: guanxi.Actor{UserID: 1, Username: "admin", Name: "管理员", Role: guanxi.RoleAdmin, OrgUnitID: 1, OrgPath: "/1/", Lang: "zh-CN"},
		agent: guanxi.Actor{UserID: 2, Username: "agent", Name: "李客户经理", Role: guanxi.RoleAgent, OrgUnitID: 1, OrgPath: "/1/", Lang: "en"},
	}
	mux := http.NewServeMux()
	if err := Mount(mux, a); err != nil {
		t.Fatal(err)
	}
	h := a.Sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server's policy, so the browser test catches inline code.
		w.Header().Set("Content-Security-Policy", testCSP)
		user := r.Header.Get("X-Test-User")
		if c, err := r.Cookie("test_user"); err == nil {
			user = c.Value
		}
		switch user {
		case "admin":
			r = r.WithContext(guanxi.WithActor(r.Context(), env.admin))
		case "agent":
			r = r.WithContext(guanxi.WithActor(r.Context(), env.agent))
		}
		mux.ServeHTTP(w, r)
	}))
	env.srv = httptest.NewServer(h)
	t.Cleanup(env.srv.Close)
	return env
}

const testCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

type result struct {
	status int
	body   string
	header http.Header
}

func (e *testEnv) do(t *testing.T, user, method, path string, form url.Values, hdr ...string) result {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header}
}

func mustContain(t *testing.T, r result, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Fatalf("status %d: body lacks %q\n%s", r.status, s, r.body)
		}
	}
}

func TestAnonymousIsSentToLogin(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "", "GET", "/customers?q=x", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
		t.Fatalf("got %d %q", r.status, r.header.Get("Location"))
	}
	r = e.do(t, "", "GET", "/customers", nil, "HX-Request", "true")
	if r.status != http.StatusUnauthorized || r.header.Get("HX-Redirect") == "" {
		t.Fatalf("htmx: got %d %v", r.status, r.header)
	}
	r = e.do(t, "", "GET", "/login?next=/customers%3Fq%3Dx", nil)
	mustContain(t, r, `<html lang="zh-CN">`, "用户名", `name="next" value="/customers?q=x"`)
	r = e.do(t, "", "GET", "/login?next=//evil.example", nil, "Accept-Language", "en-US,en;q=0.9")
	mustContain(t, r, `<html lang="en">`, "Username", `name="next" value="/customers"`)
	// The anonymous language switch is a cookie.
	r = e.do(t, "", "POST", "/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" || !strings.Contains(r.header.Get("Set-Cookie"), "guanxi_lang=en") {
		t.Fatalf("lang: %d %v", r.status, r.header)
	}
	r = e.do(t, "", "POST", "/lang", url.Values{"lang": {"fr"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad lang: %d", r.status)
	}
}

func TestForbiddenPageForMissingPermission(t *testing.T) {
	e := newTestEnv(t)
	if r := e.do(t, "admin", "GET", "/no/such/page", nil); r.status != http.StatusNotFound || !strings.Contains(r.body, "找不到") {
		t.Fatalf("unknown path: %d", r.status)
	}
	if r := e.do(t, "admin", "GET", "/customers/abc", nil); r.status != http.StatusNotFound {
		t.Fatalf("bad id: %d", r.status)
	}
	if r := e.do(t, "admin", "GET", "/", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/customers" {
		t.Fatalf("home: %d %v", r.status, r.header)
	}
	r := e.do(t, "agent", "GET", "/audit", nil)
	if r.status != http.StatusForbidden {
		t.Fatalf("agent on /audit: %d", r.status)
	}
	mustContain(t, r, "You are not allowed")
}

func TestCustomerCreateEditHistory(t *testing.T) {
	e := newTestEnv(t)
	// Inline, translated field errors; nothing written.
	r := e.do(t, "admin", "POST", "/customers", url.Values{"kind": {"person"}, "name": {""}, "mobile": {"123"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid create: %d", r.status)
	}
	mustContain(t, r, "名称：必填", "手机号须为 11 位中国大陆手机号", `aria-invalid="true"`)

	r = e.do(t, "admin", "POST", "/customers", url.Values{"kind": {"person"}, "name": {"张三"}, "mobile": {"13812345678"},
		"stage": {"prospect"}, "tags": {"VIP，老客户"}, "consent.sms": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !regexp.MustCompile(`^/customers/\d+$`).MatchString(loc) {
		t.Fatalf("location %q", loc)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	if r.status != 200 {
		t.Fatalf("360: %d %s", r.status, r.body)
	}
	mustContain(t, r, "张三", "138****5678", "VIP", "老客户", "潜在客户")
	if strings.Contains(r.body, "13812345678") {
		t.Fatal("360 page shows the plaintext mobile")
	}

	// Edit: the form never carries plaintext sensitive values.
	r = e.do(t, "admin", "GET", loc+"/edit", nil)
	mustContain(t, r, `name="version" value="1"`, `placeholder="138****5678"`)
	if strings.Contains(r.body, "13812345678") {
		t.Fatal("edit form shows the plaintext mobile")
	}
	r = e.do(t, "admin", "POST", loc, url.Values{"version": {"1"}, "kind": {"person"}, "name": {"张三丰"}, "stage": {"customer"},
		"tags": {"VIP, 老客户"}, "consent.sms": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	mustContain(t, r, "张三丰", "138****5678", "成交客户")
	// History shows the field diff with labels.
	hist := r.body[strings.Index(r.body, `id="history"`):]
	for _, s := range []string{"修改", "名称", "张三", "张三丰", "阶段", "潜在客户（A卡）", "成交客户（C卡）"} {
		if !strings.Contains(hist, s) {
			t.Fatalf("history lacks %q\n%s", s, hist)
		}
	}

	// A stale version is refused with a message and the typed value kept.
	r = e.do(t, "admin", "POST", loc, url.Values{"version": {"1"}, "kind": {"person"}, "name": {"张四"}, "stage": {"customer"}})
	if r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale: %d", r.status)
	}
	mustContain(t, r, "该记录已被他人修改", `value="张四"`)

	// Reveal needs a reason, then shows the value once.
	r = e.do(t, "admin", "POST", loc+"/reveal", url.Values{"field": {"mobile"}, "reason": {""}}, "HX-Request", "true")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "原因") {
		t.Fatalf("reveal without reason: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "POST", loc+"/reveal", url.Values{"field": {"mobile"}, "reason": {"客户来电核实"}}, "HX-Request", "true")
	if r.status != 200 || !strings.Contains(r.body, "13812345678") {
		t.Fatalf("reveal: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	if strings.Contains(r.body, "13812345678") {
		t.Fatal("revealed value persisted on the page")
	}
	mustContain(t, r, "查看明文", "客户来电核实")

	// Interaction with inline error, then success.
	r = e.do(t, "admin", "POST", loc+"/interactions", url.Values{"channel": {"phone"}, "direction": {"out"}, "summary": {""}, "occurred_at": {"2026-11-20T10:00"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("interaction invalid: %d", r.status)
	}
	mustContain(t, r, "摘要：必填")
	r = e.do(t, "admin", "POST", loc+"/interactions", url.Values{"channel": {"phone"}, "direction": {"out"}, "summary": {"电话回访，满意"}, "occurred_at": {"2026-11-20T10:00"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("interaction: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	mustContain(t, r, "电话回访，满意", "2026-11-20 10:00")

	// Holding and transaction.
	r = e.do(t, "admin", "POST", loc+"/holdings", url.Values{"kind": {"loan"}, "name": {"个人经营贷"}, "reference": {"6222020200001234567"},
		"amount": {"300,000"}, "balance": {"abc"}, "currency": {"CNY"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("holding invalid: %d", r.status)
	}
	mustContain(t, r, "余额：须为数字", `value="6222020200001234567"`)
	r = e.do(t, "admin", "POST", loc+"/holdings", url.Values{"kind": {"loan"}, "name": {"个人经营贷"}, "reference": {"6222020200001234567"},
		"amount": {"300,000"}, "balance": {"120000.5"}, "currency": {"CNY"}, "opened_on": {"2024-01-02"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("holding: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "POST", loc+"/transactions", url.Values{"kind": {"repayment"}, "amount": {"5000"}, "currency": {"CNY"}, "occurred_at": {"2026-11-01T09:30"}, "description": {"按月还款"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("transaction: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	mustContain(t, r, "个人经营贷", "***************4567", "¥300,000.00", "¥120,000.50", "还款", "¥5,000.00", "按月还款")
	if strings.Contains(r.body, "6222020200001234567") {
		t.Fatal("account number shown in plaintext")
	}

	// The list, full and as an htmx partial.
	r = e.do(t, "admin", "GET", "/customers", nil)
	mustContain(t, r, "张三丰", `id="results"`, `<html lang="zh-CN">`)
	r = e.do(t, "admin", "GET", "/customers?q=zs", nil, "HX-Request", "true", "HX-Target", "results")
	if r.status != 200 || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="results"`) {
		t.Fatalf("partial: %d %s", r.status, r.body)
	}

	// Out of scope: the agent does not see the admin's customer.
	r = e.do(t, "agent", "GET", loc, nil)
	if r.status != http.StatusNotFound {
		t.Fatalf("agent sees admin's customer: %d", r.status)
	}
	mustContain(t, r, "Not found")

	// Delete, trash, restore.
	r = e.do(t, "admin", "POST", loc+"/delete", url.Values{"version": {"2"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", "/trash", nil)
	mustContain(t, r, "张三丰", "/restore")
	r = e.do(t, "admin", "POST", loc+"/restore", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}

	// Transfer to the agent, who then sees it.
	r = e.do(t, "admin", "POST", "/customers/transfer", url.Values{"id": {strings.TrimPrefix(loc, "/customers/")}, "to_owner_id": {"2"}, "reason": {""}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("transfer without reason: %d", r.status)
	}
	mustContain(t, r, "原因：必填")
	r = e.do(t, "admin", "POST", "/customers/transfer", url.Values{"id": {strings.TrimPrefix(loc, "/customers/")}, "to_owner_id": {"2"}, "reason": {"调岗"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("transfer: %d %s", r.status, r.body)
	}
	r = e.do(t, "agent", "GET", loc, nil)
	if r.status != 200 {
		t.Fatalf("agent after transfer: %d", r.status)
	}
	mustContain(t, r, `<html lang="en">`, "Transfers", "调岗", "李客户经理")
}

func TestAuditPageAndExport(t *testing.T) {
	e := newTestEnv(t)
	if e.app.Audit == nil {
		t.Skip("sqlstore does not implement audit.Store yet")
	}
	e.do(t, "admin", "POST", "/customers", url.Values{"kind": {"person"}, "name": {"王五"}})
	r := e.do(t, "admin", "GET", "/audit?action=create", nil)
	if r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	mustContain(t, r, "新建", "admin")
	r = e.do(t, "admin", "GET", "/audit?from=bad", nil)
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad date: %d", r.status)
	}
	mustContain(t, r, "日期格式应为 YYYY-MM-DD")
	r = e.do(t, "admin", "GET", "/audit/export.csv?action=create", nil)
	if r.status != 200 || !strings.HasPrefix(r.body, "\xEF\xBB\xBFseq,") || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q", r.status, r.body)
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "admin", "GET", "/customers", nil)
	m := regexp.MustCompile(`/static/[0-9a-f]{12}/app\.css`).FindString(r.body)
	if m == "" {
		t.Fatalf("no hashed css link in %s", r.body)
	}
	r = e.do(t, "", "GET", m, nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d %v", r.status, r.header)
	}
	r = e.do(t, "", "GET", "/static/000000000000/app.css", nil)
	if r.status != 200 || strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("stale hash: %d %v", r.status, r.header)
	}
	r = e.do(t, "", "GET", "/static/000000000000/nope.js", nil)
	if r.status != 404 {
		t.Fatalf("missing asset: %d", r.status)
	}
}

// TestNoInlineScriptsOrStyles keeps the templates within the CSP: no inline
// <script> bodies, no on* handlers, no style attributes or <style> blocks.
func TestNoInlineScriptsOrStyles(t *testing.T) {
	files, _ := filepath.Glob("templates/*.html")
	bad := regexp.MustCompile(`(?i)<script>|<script[^>]*>[^<]+</script>|\son[a-z]+=|\sstyle=|<style`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: inline script or style %q", f, m)
		}
	}
}

// TestTemplateKeysExist checks every literal message key in the templates
// and the enumerations the pages label.
func TestTemplateKeysExist(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	keyRe := regexp.MustCompile(`"((?:web|field|error|validation|enum)\.[a-z0-9_.\-]+)"`)
	var keys []string
	for _, f := range append(files, goFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	add := func(prefix string, vals ...string) {
		for _, v := range vals {
			keys = append(keys, prefix+v)
		}
	}
	add("enum.stage.", stringsOf(customer.Stages)...)
	add("enum.market.", stringsOf(customer.Markets)...)
	add("enum.industry.", customer.Industries...)
	add("enum.id_type.", stringsOf(customer.IDTypes)...)
	add("enum.holding.", stringsOf(customer.HoldingKinds)...)
	add("enum.transaction.", customer.TransactionKinds...)
	add("enum.holding_status.", customer.HoldingStatuses...)
	add("enum.channel.", customer.Channels...)
	add("enum.role.", stringsOf(guanxi.Roles)...)
	add("enum.action.", audit.Actions...)
	add("enum.field_type.", stringsOf(customer.FieldTypes)...)
	add("enum.lang.", i18n.Langs...)
	// Tasks, follow-up plans and work logs (today.go, plans.go, worklogs.go).
	wb := &Base{}
	add("enum.purpose.", append(wb.Purposes(), "none")...)
	add("enum.task_kind.", wb.TaskKinds()...)
	add("enum.task_status.", wb.TaskStatuses()...)
	add("enum.trigger.", wb.Triggers()...)
	add("enum.worklog_kind.", wb.WorklogKinds()...)
	add("enum.worklog_status.", wb.WorklogStatuses()...)
	add("field.consent.", customer.ConsentChannels...)
	for prefix, vals := range ticketEnumKeys() {
		add(prefix, vals...)
	}
	lv := &listView{}
	add("web.sort.", lv.SortOptions()...)
	av := &auditView{}
	add("web.object.", av.ObjectTypes()...)
	for _, d := range settings.Defs() {
		add("web.setting."+d.Key, "", ".help")
		for _, c := range d.Choices {
			add("web.setting."+d.Key+".", c)
		}
	}
	perms := map[string]bool{}
	for _, r := range guanxi.Roles {
		for _, p := range r.Permissions() {
			perms[string(p)] = true
		}
	}
	for _, k := range keys {
		if perms[k] {
			continue // {{.Can "field.admin"}} names a permission
		}
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("key %q has no %s text", k, lang)
			}
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/customers?q=1": "/customers?q=1", "": "/", "//evil.example": "/", "https://evil.example/": "/",
		"/\\evil": "/", "customers": "/",
	} {
		if got := localPath(in, "/"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMinor(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "12": 1200, "1,234.5": 123450, "0.07": 7} {
		if got, ok := parseMinor(in); !ok || got != want {
			t.Errorf("parseMinor(%q) = %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"1.234", "abc", "1e5"} {
		if _, ok := parseMinor(in); ok {
			t.Errorf("parseMinor(%q) accepted", in)
		}
	}
}

func TestCustomFields(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "admin", "POST", "/admin/fields", url.Values{"key": {"Bad Key"}, "label_zh": {""}, "label_en": {"x"}, "type": {"choice"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid field: %d", r.status)
	}
	mustContain(t, r, "中文名称：必填", "选项：必填")
	r = e.do(t, "admin", "POST", "/admin/fields", url.Values{"key": {"car_brand"}, "label_zh": {"意向品牌"}, "label_en": {"Preferred brand"},
		"type": {"choice"}, "options": {"红旗\n比亚迪\n吉利"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create field: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", "/customers/new", nil)
	mustContain(t, r, "意向品牌", `name="custom.car_brand"`, "比亚迪")
	r = e.do(t, "admin", "POST", "/customers", url.Values{"kind": {"person"}, "name": {"赵六"}, "custom.car_brand": {"特斯拉"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad choice: %d", r.status)
	}
	mustContain(t, r, "意向品牌：不是可选的值")
	r = e.do(t, "admin", "POST", "/customers", url.Values{"kind": {"person"}, "name": {"赵六"}, "custom.car_brand": {"比亚迪"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", r.header.Get("Location"), nil)
	mustContain(t, r, "意向品牌", "比亚迪")
	r = e.do(t, "agent", "GET", "/admin/fields", nil)
	if r.status != http.StatusForbidden {
		t.Fatalf("agent on fields: %d", r.status)
	}
}

// TestFilterPanelIsValidSegment keeps the list's filter panel within the
// segment allow-list.
func TestFilterPanelIsValidSegment(t *testing.T) {
	f := readFilter(url.Values{"stage": {"customer"}, "market": {"personal"}, "industry": {"finance"}, "province": {"浙江省"},
		"city": {"杭州市"}, "owner": {"7"}, "tag": {"VIP"}, "created_from": {"2024-01-01"}, "created_to": {"2024-12-31"},
		"updated_from": {"2025-01-01"}, "contact_to": {"2026-01-01"}, "holding_kind": {"vehicle"}, "holding_model": {"汉"},
		"holding_status": {"active"}})
	n := f.node()
	if n == nil || len(n.And) != 14 {
		t.Fatalf("node: %+v", n)
	}
	if err := segment.Validate(n); err != nil {
		t.Fatal(err)
	}
	if readFilter(url.Values{}).node() != nil {
		t.Fatal("empty panel must not filter")
	}
}

func TestAdminAndProfilePages(t *testing.T) {
	e := newTestEnv(t)
	if e.app.Staff == nil {
		t.Skip("sqlstore does not implement the staff, auth and settings stores yet")
	}
	r := e.do(t, "admin", "GET", "/admin/users", nil)
	mustContain(t, r, "李客户经理", "/admin/users/2")

	// Create a user: inline errors first, nothing written.
	r = e.do(t, "admin", "POST", "/admin/users", url.Values{"username": {"A B"}, "name": {""}, "role": {"agent"}, "org_unit_id": {"1"}, "password": {"x"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid user: %d %s", r.status, r.body)
	}
	mustContain(t, r, "用户名：", "名称：必填")
	r = e.do(t, "admin", "POST", "/admin/users", url.Values{"username": {"wangwu"}, "name": {"王五"}, "role": {"agent"}, "org_unit_id": {"1"},
		"password": {"Correct-Horse-Battery-9"}, "lang": {"zh-CN"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	r = e.do(t, "admin", "GET", loc, nil)
	mustContain(t, r, "王五", `name="version" value="1"`)
	r = e.do(t, "admin", "POST", loc, url.Values{"version": {"1"}, "name": {"王五"}, "role": {"manager"}, "org_unit_id": {"1"}, "lang": {"zh-CN"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("update user: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "POST", loc, url.Values{"version": {"1"}, "name": {"王五五"}, "role": {"manager"}, "org_unit_id": {"1"}})
	if r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale user: %d", r.status)
	}
	r = e.do(t, "admin", "POST", loc+"/password", url.Values{"password": {"short"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("weak reset: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "POST", loc+"/password", url.Values{"password": {"Another-Long-Password-7"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	v := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(r.body)
	r = e.do(t, "admin", "POST", loc+"/disable", url.Values{"version": {v[1]}, "disabled": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", loc, nil)
	mustContain(t, r, "已停用", "启用")

	// Sign in as the new user is refused while disabled.
	r = e.do(t, "", "POST", "/login", url.Values{"username": {"wangwu"}, "password": {"Another-Long-Password-7"}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("disabled login: %d %s", r.status, r.body)
	}

	// A good sign-in renews the session and goes to next (or to the
	// password form when the password was set by an administrator).
	r = e.do(t, "admin", "POST", "/admin/users", url.Values{"username": {"zhaoliu"}, "name": {"赵六"}, "role": {"agent"}, "org_unit_id": {"1"},
		"password": {"Correct-Horse-Battery-9"}, "lang": {"en"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	r = e.do(t, "", "POST", "/login", url.Values{"username": {"zhaoliu"}, "password": {"wrong-password-123"}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.status)
	}
	mustContain(t, r, `value="zhaoliu"`, `role="alert"`)
	r = e.do(t, "", "POST", "/login", url.Values{"username": {"zhaoliu"}, "password": {"Correct-Horse-Battery-9"}, "next": {"/customers?q=zs"}})
	if r.status != http.StatusSeeOther || !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), ";"), "session=") {
		t.Fatalf("login: %d %v %s", r.status, r.header, r.body)
	}
	if l := r.header.Get("Location"); l != "/customers?q=zs" && l != "/profile#password" {
		t.Fatalf("login went to %q", l)
	}

	// Org tree.
	r = e.do(t, "admin", "POST", "/admin/org", url.Values{"name": {""}, "kind": {"branch"}, "parent_id": {"1"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid unit: %d", r.status)
	}
	r = e.do(t, "admin", "POST", "/admin/org", url.Values{"name": {"城南支行"}, "kind": {"branch"}, "parent_id": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("unit: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", "/admin/org", nil)
	mustContain(t, r, "城南支行", "分行/分公司")

	// Settings.
	r = e.do(t, "admin", "GET", "/admin/settings", nil)
	mustContain(t, r, "密码策略", "auth.lockout_threshold")
	r = e.do(t, "admin", "POST", "/admin/settings", url.Values{"key": {"auth.lockout_threshold"}, "value": {"abc"}, "version": {"0"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("bad setting: %d", r.status)
	}
	mustContain(t, r, "须为数字", `value="abc"`)
	r = e.do(t, "admin", "POST", "/admin/settings", url.Values{"key": {"auth.lockout_threshold"}, "value": {"7"}, "version": {"0"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("setting: %d %s", r.status, r.body)
	}

	// Profile and tokens: the token is shown once.
	r = e.do(t, "admin", "GET", "/profile", nil)
	mustContain(t, r, "admin", "API")
	r = e.do(t, "admin", "POST", "/profile/tokens", url.Values{"name": {"报表脚本"}})
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	tok := regexp.MustCompile(`gx_[a-z0-9]+`).FindString(r.body)
	if tok == "" {
		t.Fatalf("token not shown: %s", r.body)
	}
	r = e.do(t, "admin", "GET", "/profile", nil)
	if strings.Contains(r.body, tok) {
		t.Fatal("token shown twice")
	}
	mustContain(t, r, "报表脚本")
	id := regexp.MustCompile(`/profile/tokens/(\d+)/revoke`).FindStringSubmatch(r.body)
	if id == nil {
		t.Fatalf("no revoke form: %s", r.body)
	}
	r = e.do(t, "admin", "POST", "/profile/tokens/"+id[1]+"/revoke", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	r = e.do(t, "admin", "GET", "/profile", nil)
	mustContain(t, r, "已吊销")

	r = e.do(t, "admin", "POST", "/logout", url.Values{})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %v", r.status, r.header)
	}
	r = e.do(t, "admin", "POST", "/lang", url.Values{"lang": {"en"}, "next": {"/profile"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/profile" {
		t.Fatalf("lang: %d %v", r.status, r.header)
	}
	if u, err := e.app.Staff.GetUser(context.Background(), e.admin, 1); err != nil || u.Lang != "en" {
		t.Fatalf("language not kept on the user: %q %v", u.Lang, err)
	}

	// Agents cannot reach the admin pages.
	for _, p := range []string{"/admin/users", "/admin/org", "/admin/settings", "/trash"} {
		if r := e.do(t, "agent", "GET", p, nil); r.status != http.StatusForbidden {
			t.Errorf("agent GET %s: %d", p, r.status)
		}
	}
}
