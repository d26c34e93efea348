package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/loadgen"
)

// webLogin signs in through the web form and returns the Cookie header.
func webLogin(ctx context.Context, base, user, password string) (string, error) {
	form := url.Values{"username": {user}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("web sign-in as %s: status %d", user, resp.StatusCode)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

type searchSet struct{ one, two, three, initials, phone4 []string }

// searchPaths builds up to n queries of each class from the sampled names.
func searchPaths(names []sampleName, n int, seed uint64, prefix string) searchSet {
	var s searchSet
	r := rand.New(rand.NewPCG(seed, 42))
	add := func(list *[]string, q string) {
		if len(*list) < n {
			*list = append(*list, prefix+urlq(q))
		}
	}
	for _, nm := range names {
		rs := []rune(nm.name)
		add(&s.one, string(rs[:1]))
		if len(rs) >= 2 {
			add(&s.two, string(rs[:2]))
		}
		if len(rs) >= 3 {
			add(&s.three, string(rs[:3]))
		}
		if nm.initials != "" {
			add(&s.initials, nm.initials)
		}
		add(&s.phone4, fmt.Sprintf("%04d", r.IntN(10000)))
	}
	return s
}

const (
	openLoopInFlight = 512
	dashboardWorkers = 2
)

func openLoop(ctx context.Context, rate float64, d time.Duration, next reqFunc) (loadgen.Result, error) {
	r := rand.New(rand.NewPCG(7, uint64(rate)))
	var res loadgen.Result
	var err error
	pprof.Do(ctx, pprof.Labels("phase", "open-loop"), func(ctx context.Context) {
		res, err = loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: d, MaxInFlight: openLoopInFlight,
			Next: func(i int64) (*http.Request, error) { return next(r, i) }})
	})
	return res, err
}

func olLine(rep *strings.Builder, label string, rate float64, r loadgen.Result, err error) {
	if err != nil {
		fmt.Fprintf(rep, "| %s | %.0f | failed: %s | | | | | | | | |\n", label, rate, oneLine(err))
		return
	}
	achieved := float64(r.Responses()) / max(r.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(rep, "| %s | %.0f | %.0f | %d | %d | %d | %d | %d | %s | %s | %s |\n", label, rate, achieved, r.Sent, r.Missed, r.Errors,
		len(r.OK), len(r.Rejected), ms(loadgen.Quantile(r.OK, 0.5)), ms(loadgen.Quantile(r.OK, 0.95)), ms(loadgen.Quantile(r.OK, 0.99)))
}

func olGoal(g *goals, goal string, r loadgen.Result, err error, limit time.Duration, rate float64) {
	if err != nil {
		g.skip(goal, "failed: "+oneLine(err))
		return
	}
	p99, ok := openLoopP99(r)
	if !ok {
		g.add(goal, fmt.Sprintf("more than 1 %% of %d scheduled requests missed, failed or refused (%d answered 2xx)", r.Sent+r.Missed, len(r.OK)), false)
		return
	}
	g.add(goal, fmt.Sprintf("p99 %s over %d requests at %.0f req/s (from the schedule)", ms(p99), r.Sent+r.Missed, rate), p99 <= limit)
}

// latencies writes the table of sequential request latencies through the
// server at base: search by class, and the list page (also the web page
// when web is set). It returns each line's p95 by key.
func latencies(ctx context.Context, rep *strings.Builder, base string, auth, web map[string]string, names []sampleName,
	o *benchOpts, listPath func(string) func(*rand.Rand) string) (map[string]time.Duration, error) {
	fmt.Fprintf(rep, "| latency (sequential requests, via the server) | n | p50 | p95 | p99 |\n|---|---:|---:|---:|---:|\n")
	lat := map[string]time.Duration{}
	var latErr error
	line := func(key, label string, paths []string, hdr map[string]string) {
		if len(paths) == 0 {
			latErr = fmt.Errorf("%s: no sample", key)
			fmt.Fprintf(rep, "| %s | 0 | | | |\n", label)
			return
		}
		ds := make([]time.Duration, 0, len(paths))
		for _, p := range paths {
			t0 := time.Now()
			if err := get(ctx, base+p, hdr); err != nil {
				latErr = fmt.Errorf("%s: %w", key, err)
				fmt.Fprintf(rep, "| %s | failed: %s | | | |\n", label, oneLine(err))
				return
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		q := func(p float64) time.Duration { return loadgen.Quantile(ds, p) }
		lat[key+"-p95"] = q(0.95)
		fmt.Fprintf(rep, "| %s | %d | %s | %s | %s |\n", label, len(ds), ms(q(0.5)), ms(q(0.95)), ms(q(0.99)))
	}
	sp := searchPaths(names, o.samples, o.c.Seed, "/api/v1/customers?limit=20&q=")
	line("s1", "search: 1 Chinese character", sp.one, auth)
	line("s2", "search: 2 Chinese characters", sp.two, auth)
	line("s3", "search: 3 Chinese characters", sp.three, auth)
	line("si", "search: initials", sp.initials, auth)
	line("sp", "search: last 4 phone digits", sp.phone4, auth)
	r := rand.New(rand.NewPCG(o.c.Seed, 9))
	var apiList, webList []string
	for range o.samples {
		apiList = append(apiList, listPath("api")(r))
		webList = append(webList, listPath("web")(r))
	}
	line("list", "list page of 20 (API, stage filter, cursor)", apiList, auth)
	if web != nil {
		line("list-web", "list page (web, stage filter, cursor)", webList, web)
	}
	fmt.Fprintf(rep, "\n")
	return lat, latErr
}

// listPaths returns, per kind (bare, api, web), list requests at random
// keyset positions with a stage filter, the same for ceiling and product.
func listPaths(maxID int64) func(kind string) func(*rand.Rand) string {
	return func(kind string) func(*rand.Rand) string {
		return func(r *rand.Rand) string {
			stage, before := listPosition(r, maxID)
			switch kind {
			case "bare":
				return fmt.Sprintf("/list?stage=%s&before=%d", stage, before)
			case "api":
				return "/api/v1/customers?limit=20&filter=" + url.QueryEscape(stageFilter(stage)) + "&cursor=" + productCursor(before)
			}
			return "/customers?stage=" + stage + "&cursor=" + productCursor(before)
		}
	}
}
