package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// serveLoopback serves h on a random loopback port and returns its base URL.
func serveLoopback(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// barePKHandler is the C-GET ceiling: one primary-key read with the same
// driver, encoded as JSON, no auth, no scope, no masking.
func barePKHandler(db *sql.DB) http.Handler {
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
		err := db.QueryRowContext(r.Context(), "SELECT id, number, name, mobile, id_number, stage FROM customers WHERE id = ?",
			r.PathValue("id")).Scan(&c.ID, &c.Number, &c.Name, &c.Mobile, &c.IDNo, &c.Stage)
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

func get(ctx context.Context, url string, hdr map[string]string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := benchClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return nil
}

// throughput runs a closed loop of workers for d and returns successful
// requests per second; a failed request stops the round.
func throughput(ctx context.Context, base string, path func(*rand.Rand) string, hdr map[string]string, workers int, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				if err := get(ctx, base+path(r), hdr); err != nil {
					if ctx.Err() == nil {
						fmt.Println("bench:", err)
						cancel()
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
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
		FROM customers c WHERE c.kind = 'person' AND c.id % 97 = 3 LIMIT ?`, n)
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
