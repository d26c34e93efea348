package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// formulaValues start with every character a spreadsheet reads as the
// start of a formula (CVE-2021-25960 class).
var formulaValues = []string{`=HYPERLINK("http://evil.example","x")`, `+1+cmd|' /C calc'!A0`, `-2+3`, `@SUM(1,2)`,
	"\t=1+1", "\r=1+1", `=cmd|' /C notepad'!'A1'`}

// dangerousCell reports a cell a spreadsheet would evaluate: one starting
// with = + @ tab or CR, or with - and not a plain number.
func dangerousCell(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	}
	return false
}

// TestExportFormulaInjection (TESTPLAN C6) stores those values in the free
// text fields of customers and exports them through the API as CSV and
// XLSX, and through the audit log's CSV: no cell of any export starts like
// a formula, and the values are still there, prefixed.
func TestExportFormulaInjection(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		agent := clientFor(t, env, "agent_a1")
		stored := 0
		for i, v := range formulaValues {
			body := map[string]any{"name": v, "address": v, "notes": v, "source": v}
			st, _, m := agent.do("POST", "/api/v1/customers", body)
			if st != 201 {
				// A name cannot start with a tab or CR (it is trimmed or
				// refused); keep the value in the other fields.
				body["name"] = fmt.Sprintf("客户%d", i)
				if st, _, m = agent.do("POST", "/api/v1/customers", body); st != 201 {
					t.Fatalf("create %q: %d %v", v, st, m)
				}
			}
			stored++
		}
		mgr := clientFor(t, env, "mgr_a")
		for _, format := range []string{"csv", "xlsx"} {
			st, _, m := mgr.do("POST", "/api/v1/exports", map[string]any{"format": format, "lang": "en"})
			if st != 201 {
				t.Fatalf("export %s: %d %v", format, st, m)
			}
			if err := env.App.Exports.Run(context.Background(), time.Now()); err != nil {
				t.Fatal(err)
			}
			raw := download(t, env, mgr.token, fmt.Sprintf("/api/v1/exports/%d/file", int64(m["id"].(float64))))
			rows := sheetRows(t, format, raw)
			checkCells(t, "export "+format, rows, stored)
		}
		// The audit log's CSV carries the same names in its details.
		c := env.Login(t, "auditor")
		resp, err := c.Get(env.URL + "/audit/export.csv")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("audit export: %d", resp.StatusCode)
		}
		checkCells(t, "audit csv", sheetRows(t, "csv", raw), 0)
	})
}

func download(t *testing.T, env *servertest.Env, token, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

func sheetRows(t *testing.T, format string, b []byte) [][]string {
	t.Helper()
	if format == "csv" {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var all [][]string
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	return all
}

// checkCells fails on any cell that would run as a formula and counts the
// defused values (at least want of them).
func checkCells(t *testing.T, what string, rows [][]string, want int) {
	t.Helper()
	defused := 0
	for _, row := range rows {
		for _, cell := range row {
			if dangerousCell(cell) {
				t.Errorf("%s: cell %q would run as a formula", what, cell)
			}
			if strings.HasPrefix(cell, "'=HYPERLINK") {
				defused++
			}
		}
	}
	if defused < min(want, 1) {
		t.Errorf("%s: the stored values are missing (%d rows)", what, len(rows))
	}
}
