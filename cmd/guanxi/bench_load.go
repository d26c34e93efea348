package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// serveLoopback serves h on a random loopback port and returns its base URL.
// The server's goroutines carry the pprof label server=name.
func serveLoopback(name string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go pprof.Do(context.Background(), pprof.Labels("server", name), func(context.Context) {
		(&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	})
	return "http://" + ln.Addr().String(), nil
}

// openBareDB opens the ceilings' read pool on the SQLite file: query-only,
// a busy timeout, the driver's defaults otherwise.
func openBareDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, nil
}

const barePKQuery = "SELECT id, number, name, mobile, id_number, stage FROM customers WHERE id = ?"

// barePKHandler is the C-GET ceiling: one primary-key read with the same
// driver, encoded as JSON, no auth, no scope, no masking. With prepared the
// statement is prepared once (per pool connection, by database/sql) instead
// of being parsed on every request.
func barePKHandler(db *sql.DB, prepared bool) http.Handler {
	var st *sql.Stmt
	if prepared {
		var err error
		if st, err = db.Prepare(barePKQuery); err != nil {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			})
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /c/{id}", func(w http.ResponseWriter, r *http.Request) {
		var c struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
			Name   string `json:"name"`
			Mobile string `json:"mobile"`
			IDNo   string `json:"id_number"`
			Stage  string `json:"stage"`
		}
		var row *sql.Row
		if st != nil {
			row = st.QueryRowContext(r.Context(), r.PathValue("id"))
		} else {
			row = db.QueryRowContext(r.Context(), barePKQuery, r.PathValue("id"))
		}
		err := row.Scan(&c.ID, &c.Number, &c.Name, &c.Mobile, &c.IDNo, &c.Stage)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(c)
	})
	return mux
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}

// reqFunc builds the next request of a phase; seq numbers the requests of
// the whole run (unique values for creates).
type reqFunc func(r *rand.Rand, seq int64) (*http.Request, error)

// getReq is a GET of base+path(r) with the headers.
func getReq(base string, path func(*rand.Rand) string, hdr map[string]string) reqFunc {
	return func(r *rand.Rand, _ int64) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, base+path(r), nil)
		if err != nil {
			return nil, err
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return req, nil
	}
}

// do sends req, reads the body and wants a 2xx.
func do(ctx context.Context, req *http.Request) error {
	resp, err := benchClient.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func get(ctx context.Context, url string, hdr map[string]string) error {
	req, err := getReq(url, func(*rand.Rand) string { return "" }, hdr)(nil, 0)
	if err != nil {
		return err
	}
	return do(ctx, req)
}

var benchSeq atomic.Int64

// closedLoop runs workers that each send the next request as soon as the
// last one is answered, until d has passed; a request in flight at the end
// is waited for and counted, so a phase slower than d still measures. It
// returns successful requests per second over the whole time and their
// number. A failed request stops the round with its error.
func closedLoop(ctx context.Context, next reqFunc, workers int, d time.Duration) (float64, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	start := time.Now()
	end := start.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil && time.Now().Before(end) {
				req, err := next(r, benchSeq.Add(1))
				if err == nil {
					err = do(ctx, req)
				}
				if err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err })
						cancel()
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), n.Load(), firstErr
}

// processCPU is the CPU time (user + system) this process has used, from
// /proc/self/stat (Linux, 10 ms ticks); ok is false elsewhere.
func processCPU() (d time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+k) * 10 * time.Millisecond, true
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func fmtList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ", ")
}

type sampleName struct{ name, initials string }

// sampleNames picks names spread over the table with their initials token.
func sampleNames(db *sql.DB, n int) ([]sampleName, error) {
	rows, err := db.Query(`SELECT c.name, COALESCE((SELECT MAX(t.token) FROM customer_tokens t
		WHERE t.customer_id = c.id AND t.token LIKE 'i:%' AND length(t.token) = 2 + length(c.name)), '')
		FROM customers c WHERE c.kind = 'person' AND c.id % 97 = 3 LIMIT ` + strconv.Itoa(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sampleName
	for rows.Next() {
		var s sampleName
		if err := rows.Scan(&s.name, &s.initials); err != nil {
			return nil, err
		}
		s.initials = strings.TrimPrefix(s.initials, "i:")
		out = append(out, s)
	}
	return out, rows.Err()
}

// procMemory describes the process's resident memory from /proc (Linux):
// anonymous memory (Go heap, SQLite page caches) apart from file-backed
// pages (the binary, and the database file if SQLite memory-maps it),
// which the kernel can drop and re-read at any time. "" elsewhere.
func procMemory() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && (k == "VmRSS" || k == "RssAnon" || k == "RssFile" || k == "VmHWM") {
			parts = append(parts, k+" "+strings.Join(strings.Fields(v), " "))
		}
	}
	return strings.Join(parts, ", ")
}

func urlq(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
