package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestBenchSmoke runs `guanxi bench --smoke` at a tiny size, every section
// (PostgreSQL's with GUANXI_TEST_POSTGRES), with the server and C-HELLO as
// child processes (this test binary, through TestMain), and checks that
// every goal was measured: a "yes" or "no" for each, never a skip. It never
// checks how fast.
func TestBenchSmoke(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "perf.md")
			args := []string{"bench", "--smoke", "--customers", "1000", "--duration", "100ms", "--open-duration", "300ms",
				"--samples", "10", "--import-rows", "300", "--out", out}
			goals := []string{"create ≥ 0.5 × C-CREATE", "GET ≥ 0.8 × C-GET", "GET ≥ 0.4 × C-HELLO", "GET p99 ≤ 5 ms at 2,000 req/s",
				"list (API) ≥ 0.6 × C-LIST", "list page (web) ≥ 0.6 × C-LIST", "list p99 ≤ 10 ms at 1,000 req/s",
				"2-character Chinese search p95", "initials search p95", "dashboards: follow-up report", "dashboards: complaint analytics",
				"server peak RSS ≤ 300 MB", "start-up ≤ 1 s", "import ≥ 0.5 × C-LOAD"}
			if engine == "postgres" {
				args = append(args, "--sections", "pg,import", "--pg", sqltest.PostgresDSN(t))
				goals = []string{"PostgreSQL GET ≥ 0.8 × C-PG-GET", "PostgreSQL import ≥ 0.5 × C-PG-COPY"}
			} else {
				args = append(args, "--sections", "api,import")
			}
			var stdout bytes.Buffer
			if err := run(context.Background(), args, os.Getenv, nil, &stdout, io.Discard); err != nil {
				t.Fatalf("bench: %v\n%s", err, stdout.String())
			}
			md, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			table := string(md)[strings.Index(string(md), "## Goals"):]
			for _, goal := range goals {
				var row string
				for _, l := range strings.Split(table, "\n") {
					if strings.HasPrefix(l, "| "+goal) {
						row = l
					}
				}
				if !strings.HasSuffix(row, "| yes |") && !strings.HasSuffix(row, "| **no** |") {
					t.Errorf("goal %q not measured: %q", goal, row)
				}
			}
			for _, want := range []string{"search: 3 Chinese characters", "C-HELLO bare net/http JSON handler, own process"} {
				if engine == "sqlite" && !strings.Contains(string(md), want) {
					t.Errorf("no %q in the report", want)
				}
			}
		})
	}
}
