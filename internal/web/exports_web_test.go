package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWebCustomerExport exports the customer list from its page: the same
// search and filter panel, CSV and .xlsx, masked, defused and scoped; a
// large one becomes a background job on /exports, downloadable by its
// owner only.
func TestWebCustomerExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		env.Customer(t, "agent_a1", `=HYPERLINK("http://x","y")`, "13800138000")
		env.Customer(t, "agent_a1", "@张三", "13800138001")
		env.Customer(t, "agent_b", "李四", "13900139000")
		mgr := env.Login(t, "mgr_a")

		resp, err := mgr.Get(env.URL + "/customers?q=13800138000")
		if err != nil {
			t.Fatal(err)
		}
		page := string(readAll(t, resp))
		if !strings.Contains(page, `action="/customers/export"`) || !strings.Contains(page, `name="q" value="13800138000"`) {
			t.Fatal("the list has no export form carrying its search")
		}

		post := func(c *http.Client, path string, form url.Values) *http.Response {
			t.Helper()
			resp, err := c.PostForm(env.URL+path, form)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		// CSV of the whole list: branch A only, masked, defused, BOM.
		resp = post(mgr, "/customers/export", url.Values{"format": {"csv"}, "stage": {"customer"}})
		b := readAll(t, resp)
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) || !strings.Contains(resp.Header.Get("Content-Disposition"), ".csv") {
			t.Fatalf("csv export: %d %q", resp.StatusCode, b[:min(len(b), 40)])
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || !strings.Contains(string(b), `'=HYPERLINK`) || !strings.Contains(string(b), "'@张三") ||
			strings.Contains(string(b), "李四") || !strings.Contains(string(b), "138****8000") {
			t.Errorf("csv rows %q", rows)
		}
		// .xlsx of the search: one row, read back defused.
		resp = post(mgr, "/customers/export", url.Values{"format": {"xlsx"}, "q": {"13800138000"}, "include": {"holdings", "interactions"}})
		b = readAll(t, resp)
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("xlsx export: %d %v", resp.StatusCode, err)
		}
		if sheets := x.GetSheetList(); len(sheets) != 3 {
			t.Errorf("sheets %q", sheets)
		}
		xr, _ := x.GetRows(x.GetSheetList()[0])
		x.Close()
		if len(xr) != 2 || xr[1][1] != `'=HYPERLINK("http://x","y")` {
			t.Errorf("xlsx rows %q", xr)
		}
		// Unmasked without a reason goes back to the list.
		resp = post(mgr, "/customers/export", url.Values{"format": {"csv"}, "unmasked": {"1"}})
		readAll(t, resp)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/customers") {
			t.Errorf("unmasked without reason: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The trash: administrators only.
		gone := env.Customer(t, "agent_a1", "已删除", "13800138009")
		if err := env.App.Customers.Delete(context.Background(), env.Actor("admin"), gone.ID, gone.Version); err != nil {
			t.Fatal(err)
		}
		resp = post(env.Login(t, "admin"), "/customers/export", url.Values{"format": {"csv"}, "trash": {"1"}})
		if b := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(string(b), "已删除") || strings.Contains(string(b), "李四") {
			t.Errorf("trash export: %d %q", resp.StatusCode, b)
		}
		resp = post(mgr, "/customers/export", url.Values{"format": {"csv"}, "trash": {"1"}})
		readAll(t, resp)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/trash") {
			t.Errorf("manager trash export: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Agents may not export.
		resp = post(env.Login(t, "agent_a1"), "/customers/export", url.Values{"format": {"csv"}})
		readAll(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("agent export: %d", resp.StatusCode)
		}

		// Above the threshold: a background job.
		env.App.Exports.Threshold = 1
		resp = post(mgr, "/customers/export", url.Values{"format": {"xlsx"}})
		readAll(t, resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exports" {
			t.Fatalf("large export: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		jobs, err := env.App.Exports.Jobs(context.Background(), env.Actor("mgr_a"), 10)
		if err != nil || len(jobs) != 1 || jobs[0].Status != bulk.ExportQueued {
			t.Fatalf("jobs %+v %v", jobs, err)
		}
		if err := env.App.Exports.Run(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, _ = mgr.Get(env.URL + "/exports")
		page = string(readAll(t, resp))
		file := fmt.Sprintf("/exports/%d/file", jobs[0].ID)
		if resp.StatusCode != 200 || !strings.Contains(page, file) {
			t.Fatalf("exports page %d lacks %s", resp.StatusCode, file)
		}
		resp, _ = mgr.Get(env.URL + file)
		b = readAll(t, resp)
		if x, err := excelize.OpenReader(bytes.NewReader(b)); err != nil || resp.StatusCode != 200 {
			t.Fatalf("download: %d %v", resp.StatusCode, err)
		} else {
			xr, _ := x.GetRows(x.GetSheetList()[0])
			x.Close()
			if len(xr) != 3 {
				t.Errorf("downloaded %d rows", len(xr))
			}
		}
		resp, _ = env.Login(t, "mgr_b").Get(env.URL + file)
		readAll(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("another manager downloads: %d", resp.StatusCode)
		}
	})
}

// TestWebSavedFilters saves the list's filter, applies it, renames and
// deletes it.
func TestWebSavedFilters(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	env.Customer(t, "agent_a1", "王五", "13700137000")
	env.Customer(t, "agent_a1", "赵六", "13600136000")
	a1 := env.Login(t, "agent_a1")
	resp, err := a1.PostForm(env.URL+"/saved-filters", url.Values{"name": {"甲"}, "q": {"13700137000"}, "shared": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers?q=13700137000" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	list, err := env.App.Exports.SavedFilters(context.Background(), env.Actor("agent_a2"))
	if err != nil || len(list) != 1 || !list[0].Shared() {
		t.Fatalf("colleague sees %+v %v", list, err)
	}
	id := list[0].ID
	// Applied by id (as an API-made filter is), the list is that filter's.
	resp, _ = a1.Get(fmt.Sprintf("%s/customers?saved=%d", env.URL, id))
	page := string(readAll(t, resp))
	if resp.StatusCode != 200 || !strings.Contains(page, "王五") || strings.Contains(page, "赵六") {
		t.Errorf("applied filter: %d", resp.StatusCode)
	}
	resp, _ = a1.Get(env.URL + "/saved-filters")
	if page := string(readAll(t, resp)); !strings.Contains(page, `action="/saved-filters/`+fmt.Sprint(id)+`"`) {
		t.Error("the owner cannot rename on the saved filters page")
	}
	resp, _ = env.Login(t, "agent_a2").PostForm(fmt.Sprintf("%s/saved-filters/%d", env.URL, id), url.Values{"version": {"1"}, "name": {"x"}})
	readAll(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("colleague renames: %d", resp.StatusCode)
	}
	resp, _ = a1.PostForm(fmt.Sprintf("%s/saved-filters/%d", env.URL, id), url.Values{"version": {"1"}, "name": {"王五们"}})
	readAll(t, resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: %d", resp.StatusCode)
	}
	resp, _ = a1.PostForm(fmt.Sprintf("%s/saved-filters/%d/delete", env.URL, id), url.Values{"version": {"1"}})
	readAll(t, resp)
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale delete: %d", resp.StatusCode)
	}
	resp, _ = a1.PostForm(fmt.Sprintf("%s/saved-filters/%d/delete", env.URL, id), url.Values{"version": {"2"}})
	readAll(t, resp)
	if list, _ := env.App.Exports.SavedFilters(context.Background(), env.Actor("agent_a1")); resp.StatusCode != http.StatusSeeOther || len(list) != 0 {
		t.Errorf("delete: %d, %d left", resp.StatusCode, len(list))
	}
}

// TestWebReportExports: the follow-up report, the survey report, the audit
// log and the complaint list come out as .xlsx next to CSV, defused, with
// the report's permission; the complaint list export is audited.
func TestWebReportExports(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Customer(t, "agent_a1", "+王五", "13700137000")
	env.SeedTickets(t, c.ID)
	resp, err := env.Login(t, "mgr_a").Get(env.URL + "/tickets?open=1&severity=high")
	if err != nil {
		t.Fatal(err)
	}
	if page := string(readAll(t, resp)); !strings.Contains(page, `href="/tickets/export.xlsx?open=1&amp;severity=high"`) {
		t.Error("the complaint board has no export link carrying its filter")
	}
	for _, tc := range []struct {
		who, path string
		want      int
		cell      string // a cell the file must hold
	}{
		{"mgr_a", "/reports/followup.xlsx?period=week", 200, ""},
		{"mgr_a", "/reports/followup.csv?period=week", 200, ""},
		{"admin", "/reports/surveys.xlsx?period=week", 200, ""},
		{"agent_a1", "/reports/surveys.xlsx", 403, ""},
		{"auditor", "/audit/export.xlsx", 200, "admin"},
		{"agent_a1", "/audit/export.xlsx", 403, ""},
		{"mgr_a", "/tickets/export.xlsx?open=1", 200, "'+王五"},
		{"mgr_a", "/tickets/export.csv", 200, "'+王五"},
		{"mgr_b", "/tickets/export.xlsx", 200, ""},
		{"agent_a1", "/tickets/export.xlsx", 403, ""},
	} {
		resp, err := env.Login(t, tc.who).Get(env.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(t, resp)
		if resp.StatusCode != tc.want {
			t.Errorf("%s as %s: %d, want %d", tc.path, tc.who, resp.StatusCode, tc.want)
			continue
		}
		if tc.want != 200 {
			continue
		}
		var cells []string
		if strings.Contains(tc.path, ".xlsx") {
			x, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
				continue
			}
			rows, _ := x.GetRows(x.GetSheetList()[0])
			x.Close()
			for _, r := range rows {
				cells = append(cells, r...)
			}
		} else {
			if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
				t.Errorf("%s: no BOM", tc.path)
			}
			rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
			}
			for _, r := range rows {
				cells = append(cells, r...)
			}
		}
		if len(cells) == 0 {
			t.Errorf("%s: empty file", tc.path)
		}
		found := tc.cell == ""
		for _, c := range cells {
			found = found || c == tc.cell
		}
		if !found {
			t.Errorf("%s as %s: no cell %q in %q", tc.path, tc.who, tc.cell, cells)
		}
		if tc.who == "mgr_b" && len(cells) > 20 {
			t.Errorf("mgr_b exported branch A's complaint: %q", cells)
		}
	}
	var n int
	if err := env.Store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND object_type = 'export'").Scan(&n); err != nil || n != 3 {
		t.Errorf("%d complaint list exports audited (%v), want 3", n, err)
	}
}
