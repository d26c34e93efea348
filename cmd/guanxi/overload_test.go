package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/loadgen"
)

// readTarget is TESTPLAN §5's p99 goal for reads.
const readTarget = 200 * time.Millisecond

// TestOverloadLoad is TESTPLAN I1/I3 (and I4) against the real binary on
// loopback with the production limits (only the per-user rate is off, as
// one synthetic user is far faster than a person): it finds the capacity C
// of a read mix with an open-model ramp, drives 3×C, then 0.5×C, then
// normal load while slowloris connections trickle headers. It asserts the
// structure — the process stays up, nothing but 2xx, 429 and 503 comes
// back, every refusal carries Retry-After, latency recovers after the
// drop, slow connections are closed by the read-header timeout — and logs
// the timings; latency limits are asserted only with a wide margin (a
// shared 2-core CI machine is noisy). GUANXI_OVERLOAD_SECONDS (default 8)
// sets the length of the 3×C phase.
func TestOverloadLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: not in -short")
	}
	over := 8 * time.Second
	if v := os.Getenv("GUANXI_OVERLOAD_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GUANXI_OVERLOAD_SECONDS=%q: want a positive number", v)
		}
		over = time.Duration(n) * time.Second
	}
	ctx := context.Background()
	data := bootstrapData(t)
	var tok bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--user", "admin", "--data", data}, env(nil), nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tok.String()), "\n")
	token := lines[len(lines)-1]
	crashCustomers(t, data, 50)
	srv := startCrashServer(t, data)
	defer srv.kill(t)

	// Refusals are checked for Retry-After on the way back.
	var noRetryAfter, bad5xx atomic.Int64
	client := &http.Client{Transport: checkTransport{
		RoundTripper: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true},
		noRetry:      &noRetryAfter, bad5xx: &bad5xx,
	}}
	paths := []string{"/api/v1/customers?limit=20", "/api/v1/customers?limit=20&q=%E5%B4%A9", "/api/v1/me"}
	next := func(i int64) (*http.Request, error) {
		req, err := http.NewRequest("GET", srv.url+paths[i%int64(len(paths))], nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
	load := func(rate float64, d time.Duration) loadgen.Result {
		t.Helper()
		res, err := loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: d, MaxInFlight: 1024, Client: client, Next: next})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	describe := func(name string, rate float64, r loadgen.Result) {
		t.Logf("%-9s %6.0f/s: sent %d, missed %d, errors %d, codes %v; admitted p50 %v p99 %v; refused p50 %v p99 %v",
			name, rate, r.Sent, r.Missed, r.Errors, r.Codes,
			loadgen.Quantile(r.OK, 0.5), loadgen.Quantile(r.OK, 0.99),
			loadgen.Quantile(r.Rejected, 0.5), loadgen.Quantile(r.Rejected, 0.99))
	}

	// Capacity: the highest rate of a ramp (×1.5, 1.5 s a step) with p99
	// within target and nothing refused or lost; a failed step is tried
	// once more, as other work on a shared machine makes single steps fail.
	capacity := 0.0
	held := func(r loadgen.Result) bool {
		return r.Errors == 0 && r.Missed == 0 && len(r.Rejected) == 0 && len(r.Other) == 0 && loadgen.Quantile(r.OK, 0.99) <= readTarget
	}
	for rate := 50.0; rate <= 20000; rate *= 1.5 {
		r := load(rate, 1500*time.Millisecond)
		describe("ramp", rate, r)
		if !held(r) {
			r = load(rate, 1500*time.Millisecond)
			describe("ramp again", rate, r)
			if !held(r) {
				break
			}
		}
		capacity = rate
	}
	if capacity == 0 {
		t.Fatal("the server did not hold even 50 reads a second within target")
	}
	t.Logf("capacity C ≈ %.0f reads/s (doubling ramp)", capacity)

	// 3×C.
	r := load(3*capacity, over)
	describe("3×C", 3*capacity, r)
	if len(r.OK) == 0 {
		t.Fatal("nothing was admitted at 3×C")
	}
	if len(r.Rejected) == 0 {
		t.Logf("NOTE: nothing was refused at 3×C: the ramp underestimated C (a noisy machine)")
	}
	if p := loadgen.Quantile(r.OK, 0.99); p > 2*readTarget {
		t.Logf("NOTE: admitted p99 %v at 3×C is above 2× the target (%v)", p, 2*readTarget)
	}

	// 0.5×C in 1-s windows: the first window within target is the recovery.
	recovered := time.Duration(-1)
	for w := 1; w <= 10; w++ {
		r := load(capacity/2, time.Second)
		if w == 1 || recovered < 0 {
			describe(fmt.Sprintf("0.5×C #%d", w), capacity/2, r)
		}
		if recovered < 0 && r.Errors == 0 && len(r.Rejected) == 0 && len(r.Other) == 0 && loadgen.Quantile(r.OK, 0.99) <= readTarget {
			recovered = time.Duration(w) * time.Second
			break
		}
	}
	if recovered < 0 {
		t.Fatal("p99 of reads not back within target 10 s after the load dropped to 0.5×C")
	}
	t.Logf("back within target ≤ %v after the drop", recovered)

	// I4: slowloris connections during normal load.
	base := load(capacity/2, 2*time.Second)
	describe("base", capacity/2, base)
	closedAfter := slowloris(t, srv.url, 200, func() {
		r := load(capacity/2, 3*time.Second)
		describe("slowloris", capacity/2, r)
		if r.Errors > 0 || len(r.Other) > 0 {
			t.Errorf("normal load during slowloris: %d errors, codes %v", r.Errors, r.Codes)
		}
	})
	t.Logf("slowloris: 200 connections trickling a header byte every 500 ms were closed after %v (read-header timeout 5 s)", closedAfter)

	checkSurvived(t, srv, bad5xx.Load(), noRetryAfter.Load(), "the load")
}

// checkSurvived fails unless the server refused only with 429/503 and
// Retry-After while under attack or load, and is still up and healthy.
func checkSurvived(t *testing.T, srv *crashServer, bad5xx, noRetryAfter int64, after string) {
	t.Helper()
	if bad5xx > 0 {
		t.Errorf("%d answers were 5xx other than 503", bad5xx)
	}
	if noRetryAfter > 0 {
		t.Errorf("%d refusals without Retry-After", noRetryAfter)
	}
	if err := srv.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("the server is gone: %v", err)
	}
	resp, err := http.Get(srv.url + "/api/v1/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health after %s: %v", after, err)
	}
	resp.Body.Close()
}

// checkTransport counts 429/503 answers without Retry-After and 5xx other
// than 503.
type checkTransport struct {
	http.RoundTripper
	noRetry, bad5xx *atomic.Int64
}

func (c checkTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.RoundTripper.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		if resp.Header.Get("Retry-After") == "" {
			c.noRetry.Add(1)
		}
	case s >= 500:
		c.bad5xx.Add(1)
	}
	return resp, err
}

// slowloris opens n connections that send a request header one byte every
// 500 ms, runs during while they trickle, and returns how long the server
// took to close the last of them; a connection still open after 20 s
// fails the test.
func slowloris(t *testing.T, base string, n int, during func()) time.Duration {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var last time.Duration
	var open atomic.Int64
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			header := "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200)
			c.SetDeadline(time.Now().Add(20 * time.Second))
			for i := 0; i < len(header); i++ {
				if _, err := c.Write([]byte{header[i]}); err != nil {
					break
				}
				// A closed connection shows as a read that returns at once.
				c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
				if _, err := c.Read(make([]byte, 1)); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						continue
					}
					break
				}
				break // the server answered (408/400) and will close
			}
			open.Add(-1)
			mu.Lock()
			last = max(last, time.Since(start))
			mu.Unlock()
		}()
	}
	during()
	wg.Wait()
	if left := open.Load(); left > 0 || last >= 20*time.Second {
		t.Fatalf("%d slowloris connections still open after 20 s", left)
	}
	return last
}
