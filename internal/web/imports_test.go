package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/xlsx"
)

// importGBKCSV is a customer sheet as Chinese Excel saves it: GBK, Chinese
// headers, one row with a bad mobile.
func importGBKCSV(t testing.TB) []byte {
	t.Helper()
	src := "客户名称,手机号,地址,生日,贷款余额(元)\r\n" +
		"张三丰,13800138001,浙江省杭州市西湖区文三路1号,1980-1-5,\"12,000.50\"\r\n" +
		"李四光,13800138002,杭州市滨江区,1985年3月8日,300\r\n" +
		"王五,12345,宁波市,1990/07/01,\r\n" +
		"赵六,13800138004,温州市,,\r\n"
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadImport posts the new-import form with a file, as a browser does.
func uploadImport(t testing.TB, env *servertest.Env, c *http.Client, entity, name string, data []byte) (int, string, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("entity", entity)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// importReq makes a request with optional form and headers (key, value pairs).
func importReq(t testing.TB, env *servertest.Env, c *http.Client, method, path string, form url.Values, hdr ...string) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, env.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", env.URL)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

var (
	impInputRe    = regexp.MustCompile(`<input\b[^>]*>`)
	impSelectRe   = regexp.MustCompile(`(?s)<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>`)
	impOptionRe   = regexp.MustCompile(`<option\b[^>]*\bvalue="([^"]*)"[^>]*>`)
	impAttrRe     = regexp.MustCompile(`\b(name|value|type)="([^"]*)"`)
	impFormRe     = regexp.MustCompile(`(?s)<form id="import-form".*?</form>`)
	impSelectedRe = regexp.MustCompile(`\bselected\b`)
)

// importFormValues reads the mapping form's current values out of the page: the
// inputs' values and each select's selected (else first) option.
func importFormValues(t testing.TB, page string) url.Values {
	t.Helper()
	f := impFormRe.FindString(page)
	if f == "" {
		t.Fatalf("no import form in\n%s", page)
	}
	v := url.Values{}
	for _, in := range impInputRe.FindAllString(f, -1) {
		a := map[string]string{}
		for _, m := range impAttrRe.FindAllStringSubmatch(in, -1) {
			a[m[1]] = html.UnescapeString(m[2])
		}
		if a["name"] != "" && a["type"] != "file" && a["type"] != "checkbox" {
			v.Set(a["name"], a["value"])
		}
	}
	for _, m := range impSelectRe.FindAllStringSubmatch(f, -1) {
		opts := impOptionRe.FindAllStringSubmatch(m[2], -1)
		val := ""
		if len(opts) > 0 {
			val = opts[0][1]
		}
		for _, o := range opts {
			if impSelectedRe.MatchString(o[0]) {
				val = o[1]
				break
			}
		}
		v.Set(m[1], html.UnescapeString(val))
	}
	return v
}

// runImportJobs runs the import runner the server schedules (wire registers
// it as a periodic job; the test server does not start those).
func runImportJobs(t testing.TB, env *servertest.Env) {
	t.Helper()
	for _, p := range env.App.Periodic {
		if strings.Contains(strings.ToLower(p.Name), "import") {
			if err := p.Run(context.Background(), time.Now()); err != nil {
				t.Fatalf("import runner: %v", err)
			}
			return
		}
	}
	t.Fatal("no import runner among the periodic jobs")
}

var importIDRe = regexp.MustCompile(`^/imports/(\d+)`)

func importID(t testing.TB, loc string) guanxi.ID {
	t.Helper()
	m := importIDRe.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("not an import page: %q", loc)
	}
	var id guanxi.ID
	fmt.Sscan(m[1], &id)
	return id
}

// pollImport polls the progress fragment, running the import in between,
// until the fragment stops asking to be polled; it returns the last one.
func pollImport(t testing.TB, env *servertest.Env, c *http.Client, id guanxi.ID) string {
	t.Helper()
	for range 200 {
		st, _, frag := importReq(t, env, c, "GET", fmt.Sprintf("/imports/%d/progress", id), nil, "HX-Request", "true")
		if st != 200 || !strings.HasPrefix(strings.TrimSpace(frag), `<section id="import-progress"`) {
			t.Fatalf("progress fragment: %d\n%s", st, frag)
		}
		if !strings.Contains(frag, `hx-trigger="every 1s"`) {
			return frag
		}
		runImportJobs(t, env)
	}
	t.Fatal("the import never finished")
	return ""
}

func importStat(t testing.TB, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<dd id="` + id + `">([^<]*)</dd>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in\n%s", id, page)
	}
	return strings.TrimSpace(m[1])
}

// TestWebImportJourney takes a GBK CSV with Chinese headers through the real
// forms as an admin: upload, the auto-mapped selects, an htmx re-check,
// start, the polled progress to done, the problems, both reports and undo.
func TestWebImportJourney(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		admin := env.Login(t, "admin")
		ctx := context.Background()

		st, _, page := importReq(t, env, admin, "GET", "/imports/new", nil)
		if st != 200 || !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, "512.0 MB") ||
			!strings.Contains(page, "/imports/sample.xlsx?entity=customers") {
			t.Fatalf("new import page: %d\n%s", st, page)
		}
		st, loc, body := uploadImport(t, env, admin, "customers", "客户名单.csv", importGBKCSV(t))
		if st != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", st, body)
		}
		id := importID(t, loc)

		// The mapping page: the Chinese headers are mapped, the encoding detected.
		st, _, page = importReq(t, env, admin, "GET", loc, nil)
		if st != 200 || !strings.Contains(page, "GBK / GB18030") || !strings.Contains(page, "张三丰") {
			t.Fatalf("mapping page: %d\n%s", st, page)
		}
		form := importFormValues(t, page)
		want := map[string]string{"map.0": "name", "map.1": "mobile", "map.2": "address", "map.3": "birthday", "map.4": "holding.balance"}
		for k, v := range want {
			if form.Get(k) != v {
				t.Errorf("%s = %q, want %q (form %v)", k, form.Get(k), v, form)
			}
		}
		// The bad mobile of line 4 is highlighted and listed.
		if !strings.Contains(page, `class="bad-cell"`) || !strings.Contains(page, "12345") {
			t.Fatalf("preview lacks the bad cell:\n%s", page)
		}

		// "Check again" with the address ignored: htmx gets the form alone.
		form.Set("map.2", "")
		st, _, frag := importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/preview", id), form, "HX-Request", "true")
		if st != 200 || !strings.HasPrefix(strings.TrimSpace(frag), `<form id="import-form"`) || strings.Contains(frag, "<html") {
			t.Fatalf("preview fragment: %d\n%s", st, frag)
		}
		if got := importFormValues(t, frag); got.Get("map.2") != "" || got.Get("map.0") != "name" {
			t.Fatalf("edited mapping not kept: %v", got)
		}

		// Start with bad rows skipped.
		form = importFormValues(t, frag)
		form.Set("mode", "upsert")
		form.Set("on_error", "skip")
		st, hdr, body := importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/start", id), form)
		if st != http.StatusSeeOther || hdr.Get("Location") != fmt.Sprintf("/imports/%d", id) {
			t.Fatalf("start: %d %v\n%s", st, hdr, body)
		}
		st, _, page = importReq(t, env, admin, "GET", fmt.Sprintf("/imports/%d", id), nil)
		if st != 200 || !strings.Contains(page, `id="import-progress"`) {
			t.Fatalf("progress page: %d\n%s", st, page)
		}
		frag = pollImport(t, env, admin, id)
		if !strings.Contains(frag, `data-status="done"`) || importStat(t, frag, "n-created") != "3" || importStat(t, frag, "n-bad") != "1" ||
			!strings.Contains(frag, `id="import-summary"`) || !strings.Contains(frag, "12345") || !strings.Contains(frag, `value="100"`) {
			t.Fatalf("final fragment:\n%s", frag)
		}
		for _, c := range []struct{ path, ctype, has string }{
			{"report.csv", "text/csv", "12345"},
			{"report.xlsx", "spreadsheetml", "PK"},
		} {
			st, hdr, body := importReq(t, env, admin, "GET", fmt.Sprintf("/imports/%d/%s", id, c.path), nil)
			if st != 200 || !strings.Contains(hdr.Get("Content-Type"), c.ctype) ||
				!strings.Contains(hdr.Get("Content-Disposition"), "attachment") || !strings.Contains(body, c.has) {
				t.Fatalf("%s: %d %v\n%.300q", c.path, st, hdr, body)
			}
		}
		// The list shows the import with its counts.
		st, _, page = importReq(t, env, admin, "GET", "/imports", nil)
		if st != 200 || !strings.Contains(page, "客户名单.csv") || !strings.Contains(page, "已完成") {
			t.Fatalf("list: %d\n%s", st, page)
		}
		a := env.Actor("admin")
		found, err := env.App.Customers.List(ctx, a, customer.ListQuery{Q: "张三丰", Limit: 5})
		if err != nil || len(found.Items) != 1 {
			t.Fatalf("imported customer: %+v %v", found, err)
		}

		// Undo: the created customers go away.
		st, hdr, body = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/undo", id), url.Values{})
		if st != http.StatusSeeOther {
			t.Fatalf("undo: %d\n%s", st, body)
		}
		frag = pollImport(t, env, admin, id)
		if !strings.Contains(frag, `data-status="undone"`) {
			t.Fatalf("after undo:\n%s", frag)
		}
		if found, err = env.App.Customers.List(ctx, a, customer.ListQuery{Q: "张三丰", Limit: 5}); err != nil || len(found.Items) != 0 {
			t.Fatalf("customer still there after undo: %+v %v", found, err)
		}
		if st, _, _ = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/undo", id), url.Values{}); st != http.StatusConflict {
			t.Fatalf("second undo: %d", st)
		}
	})
}

// TestWebImportMappingErrors: a field mapped twice is refused inline next
// to both selects, in the user's language, and nothing starts.
func TestWebImportMappingErrors(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	admin := env.Login(t, "admin")
	_, loc, body := uploadImport(t, env, admin, "customers", "dup.csv", importGBKCSV(t))
	if loc == "" {
		t.Fatalf("upload:\n%s", body)
	}
	id := importID(t, loc)
	_, _, page := importReq(t, env, admin, "GET", loc, nil)
	form := importFormValues(t, page)
	form.Set("map.2", "name") // the address column as the name too
	st, _, page := importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/start", id), form)
	if st != http.StatusBadRequest && st != http.StatusConflict && st != http.StatusUnprocessableEntity {
		t.Fatalf("start with a field twice: %d\n%s", st, page)
	}
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	msg := b.T("zh-CN", "import.problem.mapped_twice", nil)
	if msg == "import.problem.mapped_twice" {
		t.Fatal("import.problem.mapped_twice has no zh-CN text")
	}
	for _, col := range []string{"0", "2"} {
		m := regexp.MustCompile(`<span class="ferr" id="map-err-` + col + `">([^<]*)</span>`).FindStringSubmatch(page)
		if m == nil || !strings.Contains(html.UnescapeString(m[1]), strings.SplitN(msg, "<no value>", 2)[0]) ||
			!strings.Contains(m[1], "客户名称") {
			t.Errorf("column %s has no inline %q: %v\n%s", col, msg, m, page)
		}
	}
	if im, err := env.App.Imports.Get(context.Background(), env.Actor("admin"), id); err != nil || im.Status != bulk.StatusUploaded {
		t.Fatalf("import after a refused start: %+v %v", im, err)
	}
	// Nothing mapped at all is refused the same way (the list above the table).
	for k := range form {
		if strings.HasPrefix(k, "map.") {
			form.Set(k, "")
		}
	}
	st, _, page = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/start", id), form)
	if st < 400 || st >= 500 || !strings.Contains(page, `id="map-errors"`) {
		t.Fatalf("start with nothing mapped: %d\n%s", st, page)
	}
}

// TestWebImportAccess: imports are visible to their importer and admins;
// another manager gets 404 on every import route, an agent (no
// data.import) is forbidden, and undo needs data.import.undo.
func TestWebImportAccess(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	mgrA := env.Login(t, "mgr_a")
	_, loc, body := uploadImport(t, env, mgrA, "customers", "a.csv", importGBKCSV(t))
	if loc == "" {
		t.Fatalf("upload as mgr_a:\n%s", body)
	}
	id := importID(t, loc)
	mgrB, agent := env.Login(t, "mgr_b"), env.Login(t, "agent_a1")
	for _, c := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/imports/%d", nil},
		{"GET", "/imports/%d/progress", nil},
		{"GET", "/imports/%d/report.csv", nil},
		{"GET", "/imports/%d/report.xlsx", nil},
		{"POST", "/imports/%d/preview", url.Values{"entity": {"customers"}, "cur_entity": {"customers"}}},
		{"POST", "/imports/%d/templates", url.Values{"entity": {"customers"}, "cur_entity": {"customers"}, "template_name": {"x"}}},
		{"POST", "/imports/%d/start", url.Values{"version": {"1"}, "entity": {"customers"}, "cur_entity": {"customers"}, "mode": {"create"},
			"key": {"mobile"}, "on_error": {"skip"}, "on_duplicate": {"skip"}, "cols": {"1"}, "map.0": {"name"}}},
		{"POST", "/imports/%d/cancel", url.Values{}},
	} {
		path := fmt.Sprintf(c.path, id)
		if st, _, _ := importReq(t, env, mgrB, c.method, path, c.form); st != http.StatusNotFound {
			t.Errorf("%s %s as mgr_b: %d, want 404", c.method, path, st)
		}
		if st, _, _ := importReq(t, env, agent, c.method, path, c.form); st != http.StatusForbidden {
			t.Errorf("%s %s as agent_a1: %d, want 403", c.method, path, st)
		}
	}
	for _, p := range []string{"/imports", "/imports/new", "/imports/sample.csv?entity=customers"} {
		if st, _, _ := importReq(t, env, agent, "GET", p, nil); st != http.StatusForbidden {
			t.Errorf("GET %s as agent: %d, want 403", p, st)
		}
	}
	if st, _, _ := uploadImport(t, env, agent, "customers", "x.csv", importGBKCSV(t)); st != http.StatusForbidden {
		t.Errorf("upload as agent: %d, want 403", st)
	}
	if st, _, _ := importReq(t, env, mgrB, "POST", fmt.Sprintf("/imports/%d/undo", id), url.Values{}); st != http.StatusForbidden {
		t.Errorf("undo as mgr_b (no data.import.undo): %d, want 403", st)
	}
	// mgr_b's list does not show mgr_a's import; the admin's does.
	if _, _, page := importReq(t, env, mgrB, "GET", "/imports", nil); strings.Contains(page, "a.csv") {
		t.Error("mgr_b sees mgr_a's import in the list")
	}
	if _, _, page := importReq(t, env, env.Login(t, "admin"), "GET", "/imports", nil); !strings.Contains(page, "a.csv") {
		t.Error("admin does not see mgr_a's import")
	}
	// The owner still has it, unchanged.
	if st, _, page := importReq(t, env, mgrA, "GET", loc, nil); st != 200 || !strings.Contains(page, `id="import-form"`) {
		t.Fatalf("mgr_a's own import: %d", st)
	}
}

// TestWebImportUploadErrors: an empty or binary file comes back on the
// upload form with the reason, in the user's language; so does a missing file.
func TestWebImportUploadErrors(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	admin := env.Login(t, "admin")
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		key  string
	}{
		{"empty.csv", nil, "import.file.empty"},
		{"binary.csv", bytes.Repeat([]byte{0, 1, 2, 3, 0xff, 0}, 200), "import.file.binary"},
		{"", []byte("x"), "web.import.no_file"},
	} {
		st, _, page := uploadImport(t, env, admin, "customers", c.name, c.data)
		msg := b.T("zh-CN", c.key, map[string]any{"line": 1})
		if st < 400 || st >= 500 || !strings.Contains(page, `id="upload-form"`) || !strings.Contains(html.UnescapeString(page), msg) {
			t.Errorf("%s: %d, want the form with %q\n%s", c.name, st, msg, page)
		}
	}
}

// TestWebImportSampleRoundTrip: the template file of each entity has the
// translated labels as its header, and uploading the .xlsx template maps
// every column back to its field.
func TestWebImportSampleRoundTrip(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	admin := env.Login(t, "admin")
	for _, e := range bulk.Entities {
		st, hdr, csvBody := importReq(t, env, admin, "GET", "/imports/sample.csv?entity="+string(e), nil)
		if st != 200 || !strings.HasPrefix(csvBody, "\xEF\xBB\xBF") || !strings.Contains(hdr.Get("Content-Disposition"), "import-"+string(e)+".csv") {
			t.Fatalf("%s sample.csv: %d %v", e, st, hdr)
		}
		if strings.Contains(csvBody, "import.field.") {
			t.Errorf("%s sample has untranslated labels: %s", e, csvBody)
		}
		st, _, xl := importReq(t, env, admin, "GET", "/imports/sample.xlsx?entity="+string(e), nil)
		if st != 200 || !strings.HasPrefix(xl, "PK") {
			t.Fatalf("%s sample.xlsx: %d", e, st)
		}
		st, loc, body := uploadImport(t, env, admin, string(e), "sample.xlsx", []byte(xl))
		if st != http.StatusSeeOther {
			// A header-only file may be refused as having no rows: then the
			// CSV template with one row appended is used.
			st, loc, body = uploadImport(t, env, admin, string(e), "sample.csv", []byte(strings.TrimRight(csvBody, "\r\n")+"\n"+strings.Repeat("x,", strings.Count(strings.SplitN(csvBody, "\n", 2)[0], ","))+"x\n"))
			if st != http.StatusSeeOther {
				t.Fatalf("%s: upload the template: %d\n%s", e, st, body)
			}
		}
		_, _, page := importReq(t, env, admin, "GET", loc, nil)
		form := importFormValues(t, page)
		n := 0
		for k, v := range form {
			if strings.HasPrefix(k, "map.") {
				n++
				if v[0] == "" {
					t.Errorf("%s: template column %s is not mapped back", e, k)
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s: no columns in the mapping page\n%s", e, page)
		}
	}
}

// TestImportWebKeys: the labels the import pages build from values have
// text in both languages (TestTemplateKeysExist sees only literal keys).
func TestImportWebKeys(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	add := func(prefix string, vals ...string) {
		for _, v := range vals {
			keys = append(keys, prefix+v)
		}
	}
	for _, s := range []bulk.Status{bulk.StatusUploaded, bulk.StatusQueued, bulk.StatusRunning, bulk.StatusDone,
		bulk.StatusFailed, bulk.StatusCancelled, bulk.StatusUndone} {
		add("web.import.status.", string(s))
	}
	for _, e := range bulk.Entities {
		add("web.import.entity.", string(e))
		for _, f := range bulk.Fields(e, nil) {
			add("import.field."+string(e)+".", f.Key)
		}
	}
	add("web.import.mode.", string(bulk.ModeCreate), string(bulk.ModeUpdate), string(bulk.ModeUpsert))
	add("web.import.key.", string(bulk.KeyNumber), string(bulk.KeyIDNumber), string(bulk.KeyMobile))
	add("web.import.on_error.", string(bulk.ErrorsSkip), string(bulk.ErrorsAbort))
	add("web.import.dup.", string(bulk.DupSkip), string(bulk.DupUpdate), string(bulk.DupReview))
	add("web.import.delim.", "tab", "comma", "semicolon", "pipe")
	for _, k := range keys {
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("key %q has no %s text", k, lang)
			}
		}
	}
}

// TestWebImportTemplatesSheetsCancel: a mapping saved as a template is
// chosen for the next file; an .xlsx sheet choice re-reads the columns; a
// changed entity proposes a new mapping; a queued import can be cancelled.
func TestWebImportTemplatesSheetsCancel(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	admin := env.Login(t, "admin")
	hx := []string{"HX-Request", "true"}

	_, loc, body := uploadImport(t, env, admin, "customers", "a.csv", importGBKCSV(t))
	if loc == "" {
		t.Fatalf("upload:\n%s", body)
	}
	id := importID(t, loc)
	_, _, page := importReq(t, env, admin, "GET", loc, nil)
	form := importFormValues(t, page)
	form.Set("map.2", "notes") // the address column goes to the notes
	form.Set("template_name", "支行客户表")
	st, _, frag := importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/templates", id), form, hx...)
	if st != 200 || !strings.Contains(frag, "已保存模板") {
		t.Fatalf("save template: %d\n%s", st, frag)
	}
	saved := importFormValues(t, frag)
	if saved.Get("template_id") == "" || saved.Get("template_id") != saved.Get("cur_template") {
		t.Fatalf("template not chosen after saving: %v", saved)
	}
	// An empty name is refused next to the input.
	form.Set("template_name", "")
	if st, _, frag = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/templates", id), form, hx...); st != http.StatusBadRequest ||
		!strings.Contains(frag, `name="template_name" id="template_name" maxlength="100" autocomplete="off" aria-invalid="true"`) {
		t.Fatalf("template without a name: %d\n%s", st, frag)
	}

	// The next upload: the auto-mapping maps the address; the template the notes.
	_, loc2, _ := uploadImport(t, env, admin, "customers", "b.csv", importGBKCSV(t))
	id2 := importID(t, loc2)
	_, _, page = importReq(t, env, admin, "GET", loc2, nil)
	form = importFormValues(t, page)
	if form.Get("map.2") != "address" {
		t.Fatalf("auto-mapping of the address: %v", form)
	}
	form.Set("template_id", saved.Get("template_id"))
	_, _, frag = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/preview", id2), form, hx...)
	if got := importFormValues(t, frag); got.Get("map.2") != "notes" || got.Get("map.0") != "name" || got.Get("cur_template") != saved.Get("template_id") {
		t.Fatalf("template not applied: %v", got)
	}

	// Another entity: the columns are proposed again for contacts.
	form.Set("entity", "contacts")
	_, _, frag = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/preview", id2), form, hx...)
	if got := importFormValues(t, frag); got.Get("cur_entity") != "contacts" || got.Get("mode") != "create" || got.Get("map.1") != "mobile" || got.Get("map.2") != "" {
		t.Fatalf("contacts mapping: %v", got)
	}

	// A workbook with two sheets: choosing the second reads its columns.
	var xl bytes.Buffer
	if err := xlsx.Write(&xl, []xlsx.Sheet{
		{Name: "说明", Header: []string{"备注"}, Rows: [][]any{{"本表由支行导出"}}},
		{Name: "客户", Header: []string{"姓名", "手机号码", "证件号码"}, Rows: [][]any{{"钱七", "13700137000", "11010519491231002X"}}},
	}); err != nil {
		t.Fatal(err)
	}
	st, loc3, body := uploadImport(t, env, admin, "customers", "book.xlsx", xl.Bytes())
	if st != http.StatusSeeOther {
		t.Fatalf("xlsx upload: %d\n%s", st, body)
	}
	id3 := importID(t, loc3)
	_, _, page = importReq(t, env, admin, "GET", loc3, nil)
	form = importFormValues(t, page)
	if form.Get("sheet") != "说明" || form.Get("cols") != "1" || !strings.Contains(page, `<option value="客户"`) {
		t.Fatalf("first sheet: %v\n%s", form, page)
	}
	form.Set("sheet", "客户")
	_, _, frag = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/preview", id3), form, hx...)
	got := importFormValues(t, frag)
	if got.Get("cols") != "3" || got.Get("map.0") != "name" || got.Get("map.2") != "id_number" || !strings.Contains(frag, "钱七") {
		t.Fatalf("second sheet: %v\n%s", got, frag)
	}

	// Start it and cancel it while it waits for the runner.
	got.Set("key", "id_number")
	if st, _, body = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/start", id3), got); st != http.StatusSeeOther {
		t.Fatalf("start: %d\n%s", st, body)
	}
	_, _, page = importReq(t, env, admin, "GET", loc3, nil)
	if !strings.Contains(page, `id="import-cancel"`) || !strings.Contains(page, `hx-trigger="every 1s"`) {
		t.Fatalf("queued import page:\n%s", page)
	}
	if st, _, body = importReq(t, env, admin, "POST", fmt.Sprintf("/imports/%d/cancel", id3), url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", st, body)
	}
	if frag := pollImport(t, env, admin, id3); !strings.Contains(frag, `data-status="cancelled"`) {
		t.Fatalf("after cancel:\n%s", frag)
	}
}

// TestWebImportLargeUpload: a sheet larger than the server's default body
// limit for forms (1 MiB) still uploads; the importer's file limit governs.
func TestWebImportLargeUpload(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	admin := env.Login(t, "admin")
	var b strings.Builder
	b.WriteString("客户名称,手机号,地址\r\n")
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, "客户%06d,139%08d,浙江省杭州市西湖区文三路%d号华星科技大厦\r\n", i, i, i)
	}
	st, loc, body := uploadImport(t, env, admin, "customers", "big.csv", []byte(b.String()))
	if st != http.StatusSeeOther {
		t.Fatalf("3 MiB upload: %d\n%.500s", st, body)
	}
	if _, _, page := importReq(t, env, admin, "GET", loc, nil); !strings.Contains(page, "客户000001") {
		t.Fatalf("mapping page of the big file:\n%.500s", page)
	}
}
