package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdown is TESTPLAN F6: SIGTERM while 200 clients write.
// Requests already in flight complete with their response, an overload
// 503 included (none is cut off with a reset), the process exits 0 within 30 s, the WAL is
// checkpointed away, and every acknowledged write is in the database.
// New connections are refused once the listener closes (a load balancer's
// health check fails over), so the test only counts refusals after the
// signal.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("shutdown harness: not in -short")
	}
	ctx := context.Background()
	data := bootstrapData(t)
	var tok bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--user", "admin", "--data", data}, env(nil), nil, &tok, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tok.String()), "\n")
	token := lines[len(lines)-1]
	customers := crashCustomers(t, data, 10)
	srv := startCrashServer(t, data)

	type result struct {
		started time.Time
		ended   time.Time
		summary string
		id      int64
		err     error
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				summary := "drain c" + strconv.Itoa(c) + " n" + strconv.Itoa(n)
				start := time.Now()
				id, err := postInteractionErr(client, srv.url, token, customers[(c+n)%len(customers)], summary)
				mu.Lock()
				results = append(results, result{start, time.Now(), summary, id, err})
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	time.Sleep(400 * time.Millisecond)
	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		srv.cmd.Process.Kill()
		t.Fatal("still running 30 s after SIGTERM")
	}
	took := time.Since(signalled)
	close(stop)
	wg.Wait()

	acked := map[string]int64{}
	var cut []string
	drained := 0 // started before the signal, answered after it
	for _, r := range results {
		switch {
		case r.err == nil:
			acked[r.summary] = r.id
			if r.started.Before(signalled) && r.ended.After(signalled) {
				drained++
			}
		case r.started.Before(signalled.Add(-50*time.Millisecond)) && !isRefused(r.err) && !isAnswered(r.err):
			cut = append(cut, r.summary+": "+r.err.Error())
		}
	}
	if len(cut) > 0 {
		t.Fatalf("%d requests in flight at SIGTERM got no response, e.g. %s", len(cut), cut[0])
	}
	if drained == 0 {
		t.Fatal("no request was in flight at SIGTERM: the test did not exercise draining")
	}
	if fi, err := os.Stat(filepath.Join(data, "guanxi.db-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("WAL left with %d bytes after a clean shutdown", fi.Size())
	}
	checkAfterCrash(t, data, acked, 1)
	t.Logf("%d writes acknowledged, %d of them answered after SIGTERM; exit %v after it", len(acked), drained, took.Round(time.Millisecond))
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// isAnswered tells an error that is a response: 200 clients at once can
// exceed the adaptive in-flight limit, whose 503 is an answer, not a cut.
func isAnswered(err error) bool {
	var st statusError
	return errors.As(err, &st) && st == http.StatusServiceUnavailable
}
