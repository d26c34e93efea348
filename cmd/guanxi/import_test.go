package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// childArgsEnv makes the test binary run the guanxi command with these
// arguments (separated by the unit separator \x1f) instead of the tests, so the crash test can
// kill a real import process.
const childArgsEnv = "GUANXI_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgsEnv); args != "" {
		// As main does: SIGTERM and SIGINT end the command gracefully.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, strings.Split(args, "\x1f"), os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "guanxi:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bootstrapData creates a database in a new folder with its first admin.
func bootstrapData(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	s, a, err := openApp(ctx, config{Data: data, SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := a.Staff.Bootstrap(ctx, "admin", "Guanxi-Test-2026x"); err != nil {
		t.Fatal(err)
	}
	return data
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func queryInt(t *testing.T, s *sqlstore.Store, q string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestImportCommand imports a GBK file with Chinese headers from the
// command line: summary, error report next to the file, a dry run that
// writes nothing, and an upsert that updates.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	data := bootstrapData(t)
	file := filepath.Join(data, "客户名单.csv")
	csv := "客户名称,手机号码,出生日期,地址\n" +
		"李四,137 0013 7000,2026年1月5日,兰州市城关区\n" +
		"赵六,12345,,\n" +
		"王五,13700137001,2026/1/6,\n" +
		"李四二,13700137000,,\n"
	if err := os.WriteFile(file, gbk(t, csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"import", "customers", file, "--data", data, "--lang", "en"}, env(nil), nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, want := range []string{"gb18030", "客户名称→name", "4 rows, 2 created, 0 updated, 1 skipped, 1 bad", "error report:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	report, err := os.ReadFile(filepath.Join(data, "客户名单.errors.csv"))
	if err != nil || !strings.Contains(string(report), "赵六") || !strings.Contains(string(report), "李四二") {
		t.Fatalf("report %q %v", report, err)
	}

	// A dry run checks and writes nothing; an upsert by phone updates.
	csv2 := "姓名,手机,地址\n李四,13700137000,西宁市\n孙七,bad,\n"
	file2 := filepath.Join(data, "second.csv")
	if err := os.WriteFile(file2, []byte(csv2), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"import", "customers", file2, "--data", data, "--lang", "en", "--dry-run",
		"--mode", "upsert", "--key", "phone", "--report", filepath.Join(data, "dry.xlsx")}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "checked 2 rows") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(data, "dry.xlsx")); err != nil {
		t.Fatalf("dry-run report: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"import", "customers", file2, "--data", data, "--lang", "en", "--mode", "upsert",
		"--key", "phone", "--on-error", "skip"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("upsert: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "2 rows, 0 created, 1 updated, 0 skipped, 1 bad") {
		t.Errorf("upsert output:\n%s", out.String())
	}
	s, err := openStore(ctx, config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := queryInt(t, s, "SELECT COUNT(*) FROM customers WHERE address = '西宁市' AND mobile = '13700137000'"); n != 1 {
		t.Fatalf("upsert did not update: %d", n)
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM customers"); n != 2 {
		t.Fatalf("%d customers", n)
	}
	if err := run(ctx, []string{"import", "customers", file2, "--data", data, "--mapping", "nope"}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown mapping template accepted")
	}
}

// TestImportCrashResume kills the import process with SIGKILL at random
// moments of its write pass, several times, and resumes it each time by
// running the command again: every row lands exactly once, no batch is
// half written, the change record matches, the import ends done and the
// database passes its integrity check.
func TestImportCrashResume(t *testing.T) {
	// 6,000 rows in batches of 300, the search tokens deferred from 3,000
	// rows as a large import defers them: kills land in the batches and in
	// the token flush, and the race detector keeps it under a minute.
	const rows, kills = 6000, 5
	data := bootstrapData(t)
	var b strings.Builder
	b.WriteString("客户名称,手机,地址\n")
	for i := range rows {
		fmt.Fprintf(&b, "客户%05d,1370%07d,地址%d\n", i, i, i%97)
	}
	file := filepath.Join(data, "big.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join([]string{"import", "customers", file, "--data", data, "--lang", "en",
		"--batch", "300", "--defer-tokens-at", "3000", "--lease", "300ms", "--sqlite-sync-normal"}, "\x1f")
	s, err := sqlstore.Open(context.Background(), filepath.Join(data, "guanxi.db"), sqlstore.Options{Keys: dataKeys(t, data)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	killed := 0
	for attempt := 0; ; attempt++ {
		if attempt > kills+5 {
			t.Fatalf("import did not finish after %d runs", attempt)
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childArgsEnv+"="+args)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if killed < kills {
			// Wait until this run commits a batch, then kill it at a random
			// moment of its writes.
			before := queryInt(t, s, "SELECT COUNT(*) FROM customers")
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) && before < rows {
				var n int
				_ = s.DB().QueryRow("SELECT COUNT(*) FROM customers").Scan(&n)
				if n > before {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(time.Duration(rnd.IntN(60)) * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
				if werr := <-done; werr != nil {
					killed++
					t.Logf("kill %d: after %d customers", killed, queryInt(t, s, "SELECT COUNT(*) FROM customers"))
					time.Sleep(350 * time.Millisecond) // the dead run's lease expires
					continue
				}
			}
			// It finished before the signal landed.
			killed = kills
			continue
		}
		start := time.Now()
		if err := <-done; err != nil {
			t.Fatalf("final run: %v\n%s", err, out.String())
		}
		t.Logf("final run: %s\n%s", time.Since(start), out.String())
		if !strings.Contains(out.String(), "import #1") && attempt > 0 {
			t.Logf("final run output:\n%s", out.String())
		}
		break
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM customers"); n != rows {
		t.Fatalf("%d customers, want %d", n, rows)
	}
	if n := queryInt(t, s, "SELECT COUNT(DISTINCT mobile) FROM customers"); n != rows {
		t.Fatalf("%d distinct mobiles", n)
	}
	if n := queryInt(t, s, "SELECT COUNT(DISTINCT number) FROM customers"); n != rows {
		t.Fatalf("%d distinct numbers", n)
	}
	// Import 1 did it all; later runs found every row already there.
	if n := queryInt(t, s, fmt.Sprintf(`SELECT COUNT(*) FROM imports WHERE id = 1 AND status = 'done'
		AND rows_total = %d AND rows_done = %d AND created = %d AND bad = 0 AND skipped = 0`, rows, rows, rows)); n != 1 {
		var st string
		var done, created int
		_ = s.DB().QueryRow("SELECT status, rows_done, created FROM imports WHERE id = 1").Scan(&st, &done, &created)
		t.Fatalf("import 1: %s rows_done %d created %d", st, done, created)
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM imports WHERE status <> 'done'"); n != 0 {
		t.Fatalf("%d imports not done", n)
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM import_changes WHERE import_id = 1 AND action = 'create' AND object_type = 'customer'"); n != rows {
		t.Fatalf("%d change records, want %d", n, rows)
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM import_changes ch WHERE ch.customer_id = c.id)"); n != 0 {
		t.Fatalf("%d customers without a change record", n)
	}
	if n := queryInt(t, s, "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_tokens k WHERE k.customer_id = c.id AND k.token = 'x:' || c.number)"); n != 0 {
		t.Fatalf("%d customers without their number token", n)
	}
	var ok string
	if err := s.DB().QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	if killed == 0 {
		t.Fatal("no run was killed during its writes")
	}
}
