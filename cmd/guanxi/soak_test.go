package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/loadgen"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// soakCustomers is the size of the seeded demo database.
const soakCustomers = 5000

// TestSoak is TESTPLAN I2 against the real binary (`guanxi serve` as a
// child, production limits but the per-user rate, as in TestOverloadLoad)
// on a seeded SQLite database: it finds the capacity C of the 90/10
// read/write mix with an open-model ramp (or takes it from
// GUANXI_SOAK_RATE, requests a second), then holds 1.0 × C for
// GUANXI_SOAK_DURATION (default 20s, so CI runs it every time; the TESTPLAN
// run is `GUANXI_SOAK_DURATION=30m go test ./cmd/guanxi -run TestSoak
// -timeout 40m -v`), sampling the child's RSS (/proc), goroutines (its
// goroutine profile, served by a test-only probe: soak_probe_test.go) and
// WAL file every few seconds. It asserts:
//   - every request answered 2xx: 429/503 at 1.0 × C mean C was measured
//     wrong, and count as failures, listed with the server's answers;
//   - p99 over the soak, from the scheduled send time, within TESTPLAN's
//     targets (reads 200 ms, writes 500 ms);
//   - RSS: the median of the last 10 % of the run under 1.1 × the median
//     after the warm-up (10–20 % of the run);
//   - goroutines flat: at rest (the client's connections closed) after the
//     soak at most 5 more than at rest before it;
//   - the WAL file never past 3 × the store's WAL guard limit.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: not in -short")
	}
	d := 20 * time.Second
	// strict: the TESTPLAN run, asked for with GUANXI_SOAK_DURATION. The
	// default short run, in CI on a shared machine, is the harness's smoke
	// test: it asserts what does not depend on the machine's speed (the
	// process survives, every answer is 2xx or a shed 503/429 with
	// Retry-After, goroutines back to rest, the WAL bounded) and logs the
	// rest (p99, RSS growth, shed count), which are targets for a quiet
	// machine and a long run (house rule: no speed target in a CI test).
	strict := false
	if v := os.Getenv("GUANXI_SOAK_DURATION"); v != "" {
		strict = true
		var err error
		if d, err = time.ParseDuration(v); err != nil || d < 10*time.Second {
			t.Fatalf("GUANXI_SOAK_DURATION=%q: want a duration of at least 10s, such as 30m", v)
		}
	}
	ctx := context.Background()
	data := bootstrapData(t)
	var tok bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--user", "admin", "--data", data}, env(nil), nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tok.String()), "\n")
	token := lines[len(lines)-1]
	ids, walLimit := soakSeed(t, data)

	probeAddr := freeLoopbackAddr(t)
	t.Setenv(soakProbeEnv, probeAddr) // inherited by the child only
	logFile := filepath.Join(t.TempDir(), "serve.log")
	t.Setenv("GUANXI_LOG_FILE", logFile)
	srv := startCrashServer(t, data)
	defer srv.kill(t)
	probe := newSoakProbe(srv.cmd.Process.Pid, data, probeAddr)
	mix := newSoakMix(srv.url, token, ids)

	var c float64
	if v := os.Getenv("GUANXI_SOAK_RATE"); v != "" {
		var err error
		if c, err = strconv.ParseFloat(v, 64); err != nil || c < 10 {
			t.Fatalf("GUANXI_SOAK_RATE=%q: want C in requests a second (at least 10)", v)
		}
		t.Logf("C = %.0f requests/s of the 90/10 mix, from GUANXI_SOAK_RATE", c)
	} else {
		c = mix.capacity(ctx, t)
		t.Logf("capacity C ≈ %.0f requests/s of the 90/10 mix (%.0f reads/s, %.0f writes/s)", c, 0.9*c, 0.1*c)
	}
	mix.tr.CloseIdleConnections()
	rest0, err := probe.restingGoroutines()
	if err != nil {
		t.Fatal(err)
	}

	// The soak, sampled every few seconds.
	load0, cpu0 := loadAverage(), lookCPU(srv.cmd.Process.Pid)
	every := min(max(d/30, time.Second), 5*time.Second)
	var samples []soakSample
	var sampleErrs []error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			// A look can time out when the machine is very busy; only
			// losing most of them fails the test.
			if s, err := probe.sample(time.Since(start)); err != nil {
				sampleErrs = append(sampleErrs, err)
			} else {
				samples = append(samples, s)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	res, err := mix.run(ctx, c, d, 10)
	cpu1 := lookCPU(srv.cmd.Process.Pid)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(sampleErrs) > len(samples) {
		t.Fatalf("sampling the server: %d of %d looks failed: %v", len(sampleErrs), len(sampleErrs)+len(samples), sampleErrs[0])
	}
	res.describe(t, "soak 1.0×C", c)
	for i, w := range res.windows {
		r99, w99 := w.p99s()
		from, to := time.Duration(i)*res.width, time.Duration(i+1)*res.width
		last := between(samples, from, to)
		if len(last) == 0 {
			last = []soakSample{{}}
		}
		s := last[len(last)-1]
		t.Logf("  %5.0f–%-5.0fs: reads %6d p99 %-13v writes %5d p99 %-13v failed %4d | RSS %s, goroutines %d, WAL %s",
			from.Seconds(), to.Seconds(), len(w.reads), r99.Round(time.Millisecond/10), len(w.writes), w99.Round(time.Millisecond/10), w.failed,
			mib(s.rss), s.goroutines, mib(s.wal))
	}
	mix.tr.CloseIdleConnections()
	rest1, err := probe.restingGoroutines()
	if err != nil {
		t.Fatal(err)
	}

	// strict: 0 non-2xx, p99 in target; otherwise only shed refusals.
	check := t.Logf
	if strict {
		check = t.Errorf
	}
	if n := res.failures(); n > 0 {
		check("%d requests not answered 2xx at 1.0×C (reads: codes %v, %d errors, %d missed; writes: codes %v, %d errors, %d missed)",
			n, res.reads.Codes, res.reads.Errors, res.reads.Missed, res.writes.Codes, res.writes.Errors, res.writes.Missed)
		for _, k := range slices.Sorted(maps.Keys(res.refusals)) {
			t.Logf("  %6d × %s, first: %s", res.refusals[k].count, k, res.refusals[k].body)
			if !strict && !res.refusals[k].shed {
				t.Errorf("%s is neither 2xx nor a refusal with Retry-After", k)
			}
		}
		if res.reads.Errors+res.writes.Errors > 0 {
			t.Errorf("%d requests got no answer", res.reads.Errors+res.writes.Errors)
		}
	}
	// p99 in target, from the scheduled send time, over the whole soak.
	r99, w99 := loadgen.Quantile(res.reads.OK, 0.99), loadgen.Quantile(res.writes.OK, 0.99)
	if r99 > readTarget {
		check("read p99 %v over the soak, target %v", r99, readTarget)
	}
	if w99 > writeTarget {
		check("write p99 %v over the soak, target %v", w99, writeTarget)
	}

	// RSS and goroutines are compared on medians: a moment of heavy
	// neighbouring work on the machine queues requests, and every request
	// in flight holds a goroutine and memory for a while, which is no leak.
	warm := between(samples, d/10, d/5) // after the warm-up: caches filled
	end := between(samples, d-d/10, 2*d)
	if len(warm) == 0 || len(end) == 0 {
		t.Fatalf("%d samples: none after the warm-up or in the last 10 %%", len(samples))
	}
	field := func(ss []soakSample, f func(soakSample) int64) (lo, mid, hi int64) {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[0], v[len(v)/2], v[len(v)-1]
	}
	rss := func(s soakSample) int64 { return s.rss }
	gor := func(s soakSample) int64 { return int64(s.goroutines) }
	wal := func(s soakSample) int64 { return s.wal }
	for _, p := range []struct {
		name string
		ss   []soakSample
	}{{"10–20%", warm}, {"last 10%", end}, {"whole soak", samples}} {
		rl, rm, rh := field(p.ss, rss)
		gl, gm, gh := field(p.ss, gor)
		wl, wm, wh := field(p.ss, wal)
		t.Logf("%-10s %3d samples: RSS %s/%s/%s, goroutines %d/%d/%d, WAL %s/%s/%s (min/median/max)",
			p.name, len(p.ss), mib(rl), mib(rm), mib(rh), gl, gm, gh, mib(wl), mib(wm), mib(wh))
	}
	t.Logf("goroutines at rest (client connections closed): %d before the soak, %d after", rest0, rest1)
	t.Logf("load average: %s before the soak, %s after; CPU used during the soak: %s", load0, loadAverage(), cpu1.since(cpu0))

	// RSS growth < 10 %.
	_, warmRSS, _ := field(warm, rss)
	_, endRSS, _ := field(end, rss)
	growth := float64(endRSS)/float64(warmRSS) - 1
	t.Logf("RSS median: %s after the warm-up, %s in the last 10%%: %+.1f%%", mib(warmRSS), mib(endRSS), 100*growth)
	if growth >= 0.10 {
		check("RSS grew %.1f%% from the warm-up to the end of the soak (limit 10%%)", 100*growth)
	}
	// Goroutines flat: at rest, as under load the count follows the
	// requests in flight and the client's open connections.
	if rest1 > rest0+5 {
		t.Errorf("goroutines at rest: %d after the soak, %d before: a leak\n%s", rest1, rest0, profileOrErr(probe))
	}
	// WAL bounded.
	if _, _, w := field(samples, wal); w > walLimit {
		t.Errorf("WAL reached %s, limit %s", mib(w), mib(walLimit))
	}
	checkSurvived(t, srv, 0, 0, "the soak")
	if t.Failed() {
		t.Logf("the server's log, by line:\n%s", logDigest(logFile))
	}
}

// soakSeed loads the demo customers and returns some of their ids and the
// WAL size limit (see the end).
func soakSeed(t *testing.T, data string) ([]guanxi.ID, int64) {
	t.Helper()
	ctx := context.Background()
	s, _, err := openApp(ctx, config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := loadDemo(ctx, s, soakCustomers, 7, io.Discard); err != nil {
		t.Fatal(err)
	}
	var ids []guanxi.ID
	rows, err := s.DB().QueryContext(ctx, "SELECT id FROM customers WHERE id % 5 = 0 ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id guanxi.ID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) == 0 {
		t.Fatalf("customer ids: %d, %v", len(ids), err)
	}
	t.Logf("seeded %d customers", soakCustomers)
	// The store's WAL guard truncates the WAL past sqlstore.WALLimit, checking
	// every half second: what commits in between comes on top.
	return ids, 3 * sqlstore.WALLimit
}

// between returns the samples taken from..to after the soak began.
func between(ss []soakSample, from, to time.Duration) []soakSample {
	var out []soakSample
	for _, s := range ss {
		if s.at >= from && s.at <= to {
			out = append(out, s)
		}
	}
	return out
}

// logDigest counts the server log's lines by what they say (time, took
// and ids left out), most frequent first, so a failed soak shows what the
// server saw; with the default level that is the 5xx answers and any
// warnings and errors.
func logDigest(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	counts := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		key := logNoise.ReplaceAllString(line, "")
		key = idPattern.ReplaceAllString(key, "/{id}")
		counts[key[:min(len(key), 240)]]++
	}
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b string) int { return counts[b] - counts[a] })
	var out strings.Builder
	for _, k := range keys[:min(len(keys), 20)] {
		fmt.Fprintf(&out, "%8d × %s\n", counts[k], k)
	}
	return out.String()
}

var logNoise = regexp.MustCompile(`time=\S+ | took=\S+`)

// loadAverage is the machine's 1-, 5- and 15-minute load average: other
// work on a shared machine explains a slow soak.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func profileOrErr(p *soakProbe) string {
	prof, err := p.profile()
	if err != nil {
		return err.Error()
	}
	return prof
}
