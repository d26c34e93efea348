package loadgen

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func get(url string) func(int64) (*http.Request, error) {
	return func(int64) (*http.Request, error) { return http.NewRequest(http.MethodGet, url, nil) }
}

func TestRunSendsEveryScheduledRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Rate: 200, Duration: 250 * time.Millisecond, Next: get(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent+res.Missed != 50 || res.Errors != 0 || int64(len(res.OK)) != res.Sent || res.Codes[200] != res.Sent {
		t.Fatalf("sent %d missed %d errors %d ok %d codes %v", res.Sent, res.Missed, res.Errors, len(res.OK), res.Codes)
	}
	// The sending window alone takes 49 intervals.
	if res.Elapsed < 49*5*time.Millisecond {
		t.Fatalf("elapsed %v", res.Elapsed)
	}
}

// A server that handles one request at a time, each taking 20 ms, cannot
// answer 30 requests sent over 150 ms before 600 ms: the last one waits
// at least 450 ms after its scheduled time. A closed-loop client would
// report 20 ms for every request.
func TestLatencyCountsFromSchedule(t *testing.T) {
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		time.Sleep(20 * time.Millisecond)
		mu.Unlock()
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Rate: 200, Duration: 150 * time.Millisecond, MaxInFlight: 100, Next: get(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 30 || len(res.OK) != 30 {
		t.Fatalf("sent %d ok %d missed %d errors %d", res.Sent, len(res.OK), res.Missed, res.Errors)
	}
	if max := res.OK[len(res.OK)-1]; max < 450*time.Millisecond {
		t.Fatalf("slowest latency %v: not counted from the schedule", max)
	}
	if Quantile(res.OK, 0.5) < 150*time.Millisecond {
		t.Fatalf("median %v: queueing not counted", Quantile(res.OK, 0.5))
	}
}

func TestMissedWhenInFlightCapIsFull(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer time.AfterFunc(time.Second, func() { close(release) }).Stop()
	res, err := Run(context.Background(), Config{Rate: 200, Duration: 100 * time.Millisecond, MaxInFlight: 2, Next: get(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 2 || res.Missed != 18 || len(res.OK) != 2 {
		t.Fatalf("sent %d missed %d ok %d", res.Sent, res.Missed, len(res.OK))
	}
}

func TestStatusClasses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("c") {
		case "0":
			w.WriteHeader(http.StatusOK)
		case "1":
			w.WriteHeader(http.StatusTooManyRequests)
		case "2":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	next := func(i int64) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, srv.URL+"/?c="+string(rune('0'+i%4)), nil)
	}
	res, err := Run(context.Background(), Config{Rate: 400, Duration: 100 * time.Millisecond, Next: next})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 40 || len(res.OK) != 10 || len(res.Rejected) != 20 || len(res.Other) != 10 || res.Responses() != 40 {
		t.Fatalf("sent %d ok %d rejected %d other %d", res.Sent, len(res.OK), len(res.Rejected), len(res.Other))
	}
	if res.Codes[200] != 10 || res.Codes[429] != 10 || res.Codes[503] != 10 || res.Codes[500] != 10 {
		t.Fatalf("codes %v", res.Codes)
	}
}

func TestTransportErrorsAndLoopbackOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // nothing listens any more
	res, err := Run(context.Background(), Config{Rate: 100, Duration: 50 * time.Millisecond, Next: get(url)})
	if err != nil || res.Errors != res.Sent || res.Sent == 0 || len(res.Codes) != 0 {
		t.Fatalf("err %v sent %d errors %d codes %v", err, res.Sent, res.Errors, res.Codes)
	}
	_, err = Run(context.Background(), Config{Rate: 100, Duration: 50 * time.Millisecond, Next: get("http://192.0.2.1/")})
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("non-loopback host: %v", err)
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	if Quantile(d, 0.5) != 0 {
		t.Fatal("empty")
	}
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0: 1, 0.5: 50, 0.95: 95, 0.99: 99, 1: 100} {
		if got := Quantile(d, p); got != want {
			t.Fatalf("p%v = %v, want %v", p, got, want)
		}
	}
}
