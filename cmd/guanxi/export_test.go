package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExportCommand exports a demo archive as the operator and as a
// manager: the manager's file is smaller (scope), both are masked, an
// unmasked export needs a reason, and a failed export leaves no file.
func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	getenv := env(nil)
	if err := run(ctx, []string{"demo", "--customers", "300", "--data", data}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	csvRows := func(path string) [][]string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatal("no BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	all := filepath.Join(data, "all.csv")
	var out bytes.Buffer
	if err := run(ctx, []string{"export", "customers", "--out", all, "--data", data, "--lang", "en"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "300 rows to") {
		t.Errorf("output %q", out.String())
	}
	rows := csvRows(all)
	if len(rows) != 301 || rows[0][1] != "Name" {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if m := r[5]; m != "" && !strings.Contains(m, "****") {
			t.Fatalf("mobile %q not masked", m)
		}
	}
	mine := filepath.Join(data, "manager.xlsx")
	if err := run(ctx, []string{"export", "customers", "--out", mine, "--data", data, "--as", "manager", "--include", "holdings,interactions"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(mine)
	if err != nil {
		t.Fatal(err)
	}
	if sheets := x.GetSheetList(); len(sheets) != 3 {
		t.Errorf("sheets %q, want customers, holdings, interactions", sheets)
	}
	xr, err := x.GetRows(x.GetSheetList()[0])
	x.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(xr) < 2 || len(xr) >= len(rows) {
		t.Errorf("manager export has %d rows of %d", len(xr), len(rows))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(data, "x.csv"), "--unmasked"}, "reason"},
		{[]string{"--out", filepath.Join(data, "x.csv"), "--as", "agent"}, "not allowed"},
		{[]string{"--out", filepath.Join(data, "x.csv"), "--as", "nobody"}, "nobody"},
		{[]string{"--out", filepath.Join(data, "x.txt")}, ".xlsx or .csv"},
		{[]string{"--out", filepath.Join(data, "x.csv"), "--filter", `{"field":"nope"}`}, "export"},
	} {
		err := run(ctx, append([]string{"export", "customers", "--data", data}, tc.args...), getenv, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "x.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed export left a file: %v", err)
	}
}
