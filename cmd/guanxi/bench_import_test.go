package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestBenchImportFile checks the generated customer file: the header and
// row count, and that the importer maps every column from its header alone.
func TestBenchImportFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	if err := writeImportCSV(path, 300, 5); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 301 || strings.Join(recs[0], ",") != strings.Join(importHeader, ",") {
		t.Fatalf("%d records, header %q", len(recs), recs[0])
	}
	mapping := bulk.AutoMap(bulk.Customers, importHeader, nil)
	for i, field := range mapping {
		if field == "" {
			t.Errorf("column %q is not mapped", importHeader[i])
		}
	}
	// Dates and mobiles come in the mixed forms of real sheets.
	forms := map[string]bool{}
	for _, r := range recs[1:] {
		switch birthday, mobile := r[3], r[6]; {
		case strings.Contains(birthday, "年"):
			forms["2006年1月2日"] = true
		case strings.Contains(birthday, "/"):
			forms["2006/1/2"] = true
		case strings.Contains(birthday, "-"):
			forms["2006-01-02"] = true
		case strings.Contains(mobile, " "):
			forms["138 0013 8000"] = true
		}
	}
	if len(forms) != 4 {
		t.Fatalf("forms in the file: %v", forms)
	}
}

// TestBenchImportSmoke runs `guanxi bench import` at a tiny size on each
// engine and checks that every measurement completed and is in the report
// (never how fast).
func TestBenchImportSmoke(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "perf.md")
			args := []string{"bench", "import", "--rows", "1000", "--rounds", "1", "--xlsx-rows", "200",
				"--dir", dir, "--out", out}
			want := []string{"C-LOAD", "C-IMPORT", "C-SCHEMA bare", "C-SCHEMA+TOKENS the same", "**import** (real path", "import of an .xlsx"}
			if engine == "postgres" {
				args = append(args, "--pg", sqltest.PostgresDSN(t))
				want = append(want, "C-PG-COPY", "C-PG-SCHEMA COPY", "C-PG-SCHEMA+TOKENS the same", "**import** on PostgreSQL")
			}
			var stdout bytes.Buffer
			if err := run(context.Background(), args, env(nil), nil, &stdout, io.Discard); err != nil {
				t.Fatalf("bench import: %v\n%s", err, stdout.String())
			}
			md, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			measured := regexp.MustCompile(`^\| [^|]+ \| \d+ \| [\d, ]+ \| [\d.]+ \| [\d.]+`)
			for _, label := range want {
				var row string
				for _, l := range strings.Split(string(md), "\n") {
					if strings.HasPrefix(l, "| "+label) {
						row = l
					}
				}
				switch {
				case row == "":
					t.Errorf("no %s line in the report:\n%s", label, md)
				case strings.Contains(row, "skipped: sqlite3 not installed") && label == "C-IMPORT":
				case !measured.MatchString(row):
					t.Errorf("%s not measured: %s", label, row)
				}
			}
			for _, ratio := range []string{"× C-LOAD", "× import (CSV)"} {
				if !strings.Contains(string(md), ratio) {
					t.Errorf("no ratio %q in the report:\n%s", ratio, md)
				}
			}
			if engine == "postgres" && !strings.Contains(string(md), "× C-PG-COPY") {
				t.Errorf("no ratio to C-PG-COPY:\n%s", md)
			}
		})
	}
}
