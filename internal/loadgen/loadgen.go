// Package loadgen is an open-loop HTTP load generator for the bench and
// the overload tests: requests leave at a constant arrival rate whatever
// the server does, and each latency is measured from the request's
// scheduled send time, so a slow server cannot hide its queueing delay
// by slowing the client down (no coordinated omission). It is bounded in
// time and only talks to loopback addresses.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Config describes one run.
type Config struct {
	Rate        float64                              // requests per second
	Duration    time.Duration                        // how long to send
	MaxInFlight int                                  // cap on outstanding requests; a send that finds the cap full counts as Missed
	Client      *http.Client                         // nil: a default client with keep-alive sized for MaxInFlight
	Next        func(i int64) (*http.Request, error) // builds request i
}

// Result is what one run saw. Latencies run from each request's scheduled
// send time to the end of its response body.
type Result struct {
	Sent, Missed, Errors int64 // Errors: transport errors
	Codes                map[int]int64
	OK                   []time.Duration // sorted latencies of 2xx/3xx responses
	Rejected             []time.Duration // sorted latencies of 429/503 responses
	Other                []time.Duration // sorted latencies of everything else
	Elapsed              time.Duration   // from the first scheduled send to the last response
}

// Responses is the number of requests that got a status back.
func (r Result) Responses() int64 { return int64(len(r.OK) + len(r.Rejected) + len(r.Other)) }

// Drain bounds how long Run waits for outstanding responses after the
// sending window; requests still open then are cancelled (transport errors).
const Drain = 10 * time.Second

// DefaultMaxInFlight applies when Config.MaxInFlight is zero.
const DefaultMaxInFlight = 256

// ErrNotLoopback is returned when a request targets a non-loopback host.
var ErrNotLoopback = errors.New("loadgen: only loopback hosts may be loaded")

// Run sends requests i = 0, 1, … at times start + i/Rate for Duration,
// each on its own goroutine, and waits for the responses (at most Drain
// after the window). The request's context is replaced by one derived from
// ctx. Next's error, or a request to a non-loopback host, stops the run
// and is returned with what was measured so far.
func Run(ctx context.Context, c Config) (Result, error) {
	if c.Rate <= 0 || c.Duration <= 0 || c.Next == nil {
		return Result{}, fmt.Errorf("loadgen: Rate, Duration and Next are required")
	}
	maxIn := c.MaxInFlight
	if maxIn <= 0 {
		maxIn = DefaultMaxInFlight
	}
	client := c.Client
	if client == nil {
		tr := &http.Transport{
			MaxIdleConns:        maxIn,
			MaxIdleConnsPerHost: maxIn,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr}
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.Duration+Drain)
	defer cancel()

	var (
		mu  sync.Mutex
		res = Result{Codes: map[int]int64{}}
		wg  sync.WaitGroup
	)
	slots := make(chan struct{}, maxIn)
	// Request i is due at i/Rate; those due before Duration are sent.
	n := int64(math.Ceil(c.Duration.Seconds()*c.Rate - 1e-9))
	if n < 1 {
		n = 1
	}
	start := time.Now()
	var runErr error
	for i := int64(0); i < n; i++ {
		sched := start.Add(time.Duration(float64(i) * float64(time.Second) / c.Rate))
		if d := time.Until(sched); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				runErr = ctx.Err()
			}
		}
		if runErr != nil || ctx.Err() != nil {
			if runErr == nil {
				runErr = ctx.Err()
			}
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			res.Missed++ // only this goroutine writes Missed and Sent
			continue
		}
		req, err := c.Next(i)
		if err == nil && !loopback(req) {
			err = fmt.Errorf("%w: %s", ErrNotLoopback, req.URL.Host)
		}
		if err != nil {
			<-slots
			runErr = err
			break
		}
		res.Sent++
		wg.Add(1)
		go func(req *http.Request, sched time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			code, err := do(client, req.WithContext(reqCtx))
			lat := time.Since(sched)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				res.Errors++
			case code >= 200 && code < 400:
				res.OK = append(res.OK, lat)
			case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
				res.Rejected = append(res.Rejected, lat)
			default:
				res.Other = append(res.Other, lat)
			}
			if err == nil {
				res.Codes[code]++
			}
		}(req, sched)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.OK)
	slices.Sort(res.Rejected)
	slices.Sort(res.Other)
	return res, runErr
}

// do sends one request and reads its body to the end, so the latency
// covers the whole response and the connection can be reused.
func do(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func loopback(req *http.Request) bool {
	if req == nil || req.URL == nil {
		return false
	}
	h := req.URL.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Quantile returns the p-quantile (0 ≤ p ≤ 1, nearest rank) of sorted
// latencies, or 0 for none.
func Quantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}
