package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

func getBytes(t *testing.T, env *servertest.Env, c *http.Client, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestComplaintAnalyticsPage renders the analysis in zh-CN and en, keeps a
// bad filter with its message, exports the workbook (formula text
// defused, one audit row) and shows another agent none of the data.
func TestComplaintAnalyticsPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		c := env.Customer(t, "agent_a1", "周九", "13600136001")
		for range 2 {
			id := c.ID
			tk := &ticket.Ticket{Channel: "phone", Subject: "手续费", Description: "多扣手续费", CustomerID: &id}
			if err := env.App.Tickets.Register(ctx, env.Actor("agent_a1"), tk); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB().Exec("UPDATE tickets SET root_cause = '=HYPERLINK(\"http://evil\")'"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec("UPDATE users SET lang = 'en' WHERE username = 'auditor'"); err != nil {
			t.Fatal(err)
		}
		mgr := env.Login(t, "mgr_a")

		st, body := getPage(t, env, mgr, "/tickets/analytics")
		for _, want := range []string{"投诉分析", `href="/tickets/analytics"`, `data-chart="volume"`, `id="chart-data"`, "echarts-6.1.0.min.js",
			"charts.js", "analytics.css", `data-kpi="satisfaction"`, "无数据", "units-table", "=HYPERLINK", "/tickets/analytics.xlsx?"} {
			if !strings.Contains(body, want) {
				t.Errorf("zh-CN page lacks %q", want)
			}
		}
		if st != 200 || strings.Contains(body, "<script>") {
			t.Fatalf("page: %d", st)
		}
		// The board links to the analysis.
		if _, board := getPage(t, env, mgr, "/tickets"); !strings.Contains(board, `href="/tickets/analytics"`) {
			t.Error("the board has no link to the analysis")
		}
		// A bad date comes back with the field's message and the typed text.
		st, body = getPage(t, env, mgr, "/tickets/analytics?from=2026-02-30&channel=phone")
		if st != 400 || !strings.Contains(body, "2026-02-30") || !strings.Contains(body, "YYYY-MM-DD") {
			t.Fatalf("bad filter: %d", st)
		}

		// English for the auditor, who reads everything.
		aud := env.Login(t, "auditor")
		st, body = getPage(t, env, aud, "/tickets/analytics?granularity=week")
		for _, want := range []string{"Complaint analytics", "Satisfaction after closure", "no data", "Time to first response"} {
			if !strings.Contains(body, want) {
				t.Errorf("en page lacks %q", want)
			}
		}
		if st != 200 {
			t.Fatalf("en page: %d", st)
		}

		// The workbook: one sheet per section, formula text defused, audited.
		resp, b := getBytes(t, env, mgr, "/tickets/analytics.xlsx?channel=phone")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := strings.Join(f.GetSheetList(), ","); got != "关键指标,投诉量,投诉类别,责任部门,责任人,根本原因,处理时长" {
			t.Fatalf("sheets %s", got)
		}
		for _, tc := range []struct{ sheet, cell, want string }{
			{"关键指标", "A1", "指标"},
			{"关键指标", "A2", "超时率"},
			{"关键指标", "D5", "0"}, // satisfaction: nothing rated
			{"关键指标", "B5", "—"},
			{"根本原因", "A2", `'=HYPERLINK("http://evil")`},
			{"根本原因", "B2", "2"},
			{"投诉类别", "B2", "未分类"},
			{"投诉类别", "C2", "2"},
		} {
			if got, _ := f.GetCellValue(tc.sheet, tc.cell); got != tc.want {
				t.Errorf("%s!%s = %q, want %q", tc.sheet, tc.cell, got, tc.want)
			}
			if formula, _ := f.GetCellFormula(tc.sheet, tc.cell); formula != "" {
				t.Errorf("%s!%s holds a formula %q", tc.sheet, tc.cell, formula)
			}
		}
		var audits int
		var detail string
		if err := s.DB().QueryRow("SELECT COUNT(*), MAX(detail) FROM audit_log WHERE action = 'export' AND object_type = 'complaint_analytics'").Scan(&audits, &detail); err != nil || audits != 1 ||
			!strings.Contains(detail, `"channel":"phone"`) {
			t.Errorf("export audit rows %d %s %v", audits, detail, err)
		}

		// agent_b sees none of agent_a1's complaints and has no nav link.
		st, body = getPage(t, env, env.Login(t, "agent_b"), "/tickets/analytics")
		if st != 200 || strings.Contains(body, "HYPERLINK") || !strings.Contains(body, "共 0 件投诉") ||
			strings.Contains(body, `<li><a href="/tickets/analytics"`) {
			t.Errorf("agent_b page: %d", st)
		}
	})
}

// TestComplaintAnalyticsKeys checks the keys the page builds from values
// (KPIs, their help, states, buckets) and the domain's own error key.
func TestComplaintAnalyticsKeys(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"analytics.period_too_long"}
	for _, k := range ticket.KPIs(ticket.Totals{}, 0, ticket.DefaultTargets) {
		keys = append(keys, "web.analytics.kpi."+k.Key, "web.analytics.kpi."+k.Key+".help")
	}
	for _, st := range []string{"ok", "bad", "none"} {
		keys = append(keys, "web.analytics.state."+st)
	}
	for _, bk := range ticket.DurationBuckets {
		keys = append(keys, "web.analytics.bucket."+bk.Key)
	}
	for _, k := range keys {
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("key %q has no %s text", k, lang)
			}
		}
	}
}
