package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// upload posts a file as multipart field "file".
func (c client) upload(path, name string, data []byte) (int, map[string]any) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		m["_raw"] = string(raw)
	}
	return resp.StatusCode, m
}

func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

// TestAPIImports runs a GBK file with Chinese headers through the API:
// upload, preview, start, poll to done (the runner runs as the periodic job
// would), counts, search by name and phone, the error report, scope and
// undo restoring the database.
func TestAPIImports(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		env := servertest.New(t, s)
		old := env.Customer(t, "agent_a1", "张三", "13800138000")
		mgrA, mgrB, admin := clientFor(t, env, "mgr_a"), clientFor(t, env, "mgr_b"), clientFor(t, env, "admin")

		csv := "客户名称,手机号码,出生日期,地址\n" +
			"李四,13700137000,2026年1月5日,兰州市城关区\n" +
			"张三,13800138000,,西宁市城中区\n" +
			"赵六,123,,\n"
		file, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		if st, m := clientFor(t, env, "agent_a1").upload("/api/v1/imports", "客户.csv", file); st != 403 {
			t.Fatalf("agent upload: %d %v", st, m)
		}
		if st, m := mgrA.upload("/api/v1/imports", "bad.csv", []byte{0, 1, 2, 3, 0, 0, 0}); st != 400 {
			t.Fatalf("binary upload: %d %v", st, m)
		}
		st, m := mgrA.upload("/api/v1/imports", "客户.csv", file)
		if st != 201 || m["status"] != "uploaded" || m["info"].(map[string]any)["encoding"] != "gb18030" {
			t.Fatalf("upload: %d %v", st, m)
		}
		id := num(m, "id")
		path := fmt.Sprintf("/api/v1/imports/%d", id)

		st, _, m = mgrA.do("POST", path+"/preview", map[string]any{"mode": "upsert", "key": "mobile"})
		if st != 200 || m["ready"] != true || len(m["rows"].([]any)) != 3 || len(m["problems"].([]any)) != 1 {
			t.Fatalf("preview: %d %v", st, m)
		}
		mapping := m["mapping"].([]any)
		if mapping[0] != "name" || mapping[1] != "mobile" {
			t.Fatalf("mapping %v", mapping)
		}
		// Another manager does not see it at all.
		for _, r := range []struct{ method, path string }{{"GET", path}, {"POST", path + "/preview"},
			{"POST", path + "/cancel"}, {"GET", path + "/problems"}, {"GET", path + "/report"}} {
			if st, _, m := mgrB.do(r.method, r.path, map[string]any{}); st != 404 {
				t.Errorf("mgr_b %s %s: %d %v", r.method, r.path, st, m)
			}
		}
		if st, _, m := mgrB.do("POST", path+"/start", map[string]any{"version": 1}); st != 404 {
			t.Errorf("mgr_b start: %d %v", st, m)
		}
		if st, _, m := mgrA.do("POST", path+"/start", map[string]any{"mode": "upsert", "key": "mobile"}); st != 428 {
			t.Fatalf("start without version: %d %v", st, m)
		}
		st, _, m = mgrA.do("POST", path+"/start", map[string]any{"mode": "upsert", "key": "mobile", "mapping": mapping}, "If-Match", `"1"`)
		if st != 200 || m["status"] != "queued" {
			t.Fatalf("start: %d %v", st, m)
		}
		if err := env.App.Imports.RunPending(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		st, _, m = mgrA.do("GET", path, nil)
		if st != 200 || m["status"] != "done" || num(m, "rows_total") != 3 || num(m, "created") != 1 ||
			num(m, "updated") != 1 || num(m, "bad") != 1 || num(m, "rows_done") != 3 {
			t.Fatalf("poll: %d %v", st, m)
		}
		for _, q := range []string{"李四", "13700137000"} {
			st, _, m := mgrA.do("GET", "/api/v1/customers?q="+q, nil)
			if items, _ := m["items"].([]any); st != 200 || len(items) != 1 {
				t.Fatalf("search %s: %d %v", q, st, m)
			}
		}
		got, err := env.App.Customers.Get(ctx, env.Actor("agent_a1"), old.ID)
		if err != nil || got.Address != "西宁市城中区" || got.Name != "张三" {
			t.Fatalf("updated customer %+v %v", got, err)
		}

		st, _, m = mgrA.do("GET", path+"/problems", nil)
		rows, _ := m["rows"].([]any)
		if st != 200 || len(rows) != 1 {
			t.Fatalf("problems: %d %v", st, m)
		}
		row := rows[0].(map[string]any)
		if num(row, "line") != 4 || row["cells"].([]any)[0] != "赵六" {
			t.Fatalf("problem row %v", row)
		}
		st, hdr, m := mgrA.do("GET", path+"/report?format=csv", nil)
		if body, _ := m["_raw"].(string); st != 200 || !strings.Contains(body, "赵六") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
			t.Fatalf("report: %d %v %v", st, hdr, m)
		}
		st, hdr, _ = mgrA.do("GET", path+"/report?format=xlsx", nil)
		if st != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx report: %d %v", st, hdr)
		}
		if st, _, m := mgrA.do("GET", "/api/v1/imports", nil); st != 200 || len(m["_raw"].(string)) == 0 {
			t.Fatalf("list: %d %v", st, m)
		}

		// Undo is for admins; it restores the database.
		if st, _, m := mgrA.do("POST", path+"/undo", nil); st != 403 {
			t.Fatalf("manager undo: %d %v", st, m)
		}
		st, _, m = admin.do("POST", path+"/undo", nil)
		if st != 200 || m["status"] != "undone" || num(m, "removed") != 1 || num(m, "restored") != 1 || num(m, "kept") != 0 {
			t.Fatalf("undo: %d %v", st, m)
		}
		got, err = env.App.Customers.Get(ctx, env.Actor("agent_a1"), old.ID)
		if err != nil || got.Address != old.Address {
			t.Fatalf("restored customer %+v %v", got, err)
		}
		page, err := env.App.Customers.List(ctx, env.Actor("admin"), customer.ListQuery{Q: "李四"})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("created customer still there: %+v %v", page.Items, err)
		}
		if st, _, m := admin.do("POST", path+"/undo", nil); st != 409 {
			t.Fatalf("second undo: %d %v", st, m)
		}
	})
}

// TestAPIImportTemplates saves, lists, renames and deletes a mapping.
func TestAPIImportTemplates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		mgrA := clientFor(t, env, "mgr_a")
		body := map[string]any{"name": "网点模板", "entity": "customers", "columns": map[string]any{"客户名称": "name", "手机": "mobile"}}
		st, _, m := mgrA.do("POST", "/api/v1/import-templates", body)
		if st != 201 || num(m, "version") != 1 {
			t.Fatalf("create: %d %v", st, m)
		}
		if st, _, m := mgrA.do("POST", "/api/v1/import-templates", body); st != 400 {
			t.Fatalf("duplicate name: %d %v", st, m)
		}
		path := fmt.Sprintf("/api/v1/import-templates/%d", num(m, "id"))
		body["name"] = "新模板"
		if st, _, m := mgrA.do("PUT", path, body, "If-Match", `"7"`); st != 412 {
			t.Fatalf("stale update: %d %v", st, m)
		}
		if st, _, m := mgrA.do("PUT", path, body, "If-Match", `"1"`); st != 200 || m["name"] != "新模板" || num(m, "version") != 2 {
			t.Fatalf("update: %d %v", st, m)
		}
		st, _, m = mgrA.do("GET", "/api/v1/import-templates?entity=customers", nil)
		if raw, _ := m["_raw"].(string); st != 200 || !strings.Contains(raw, "新模板") {
			t.Fatalf("list: %d %v", st, m)
		}
		if st, _, m := mgrA.do("DELETE", path, nil, "If-Match", `"2"`); st != 204 {
			t.Fatalf("delete: %d %v", st, m)
		}
	})
}
