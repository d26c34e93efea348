package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxPKHandler is C-PG-GET: one primary-key read through pgx's own pool
// (statements cached by pgx), encoded as JSON; no auth, scope or masking.
func pgxPKHandler(pool *pgxpool.Pool) http.Handler {
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
		err := pool.QueryRow(r.Context(), "SELECT id, number, name, mobile, id_number, stage FROM customers WHERE id = $1",
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

// benchPG is the PostgreSQL section: the demo data in a fresh schema,
// `guanxi serve` on it as a child, GET against C-PG-GET (CPU including
// the PostgreSQL server's), then list and search latencies.
func benchPG(ctx context.Context, o *benchOpts, rep *strings.Builder, g *goals, stdout io.Writer) error {
	pgb, err := newPGBench(o.pg, "psql")
	if err != nil {
		return err
	}
	schema, dsn, err := pgb.schema(ctx, "api")
	if err != nil {
		return err
	}
	defer pgb.drop(context.WithoutCancel(ctx), schema)
	c := o.c
	c.DB, c.DemoCustomers = dsn, o.pgCustomers
	c.KeyFile = filepath.Join(o.work, "pg-"+schema+".key")
	fmt.Fprintf(rep, "## API, PostgreSQL\n\n")
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := ensureDemo(ctx, s, c, rep, stdout); err != nil {
		return err
	}
	f, err := prepareFixture(ctx, s)
	if err != nil {
		return err
	}
	s.Close()
	prod, err := startServeChild(ctx, c)
	if err != nil {
		return err
	}
	defer prod.stop()
	fmt.Fprintf(rep, "Server: `guanxi serve` as a child process on a fresh schema; start-up %s.\n\n", prod.startup.Round(time.Millisecond))
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	bare, err := serveLoopback("c-pg-get", pgxPKHandler(pool))
	if err != nil {
		return err
	}
	probe, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer probe.Close(context.WithoutCancel(ctx))
	server := func() time.Duration { return pgServerCPU(ctx, probe) }
	auth := map[string]string{"Authorization": "Bearer " + f.token}
	idPath := func(prefix string) func(*rand.Rand) string {
		return func(r *rand.Rand) string { return fmt.Sprintf("%s%d", prefix, 1+r.Int64N(f.maxID)) }
	}
	pBare := &benchPhase{name: "c-pg-get", label: "C-PG-GET bare Go + pgx pool, PK read", next: getReq(bare, idPath("/c/"), nil), extra: server}
	pGet := &benchPhase{name: "get-pg", label: "GET /api/v1/customers/{id} on PostgreSQL", next: getReq(prod.base, idPath("/api/v1/customers/"), auth),
		children: []*benchChild{prod}, extra: server}
	phases := []*benchPhase{pBare, pGet}
	runPhases(ctx, o, phases, stdout)
	fmt.Fprintf(rep, "Throughput: %d closed-loop clients, %d interleaved rounds × %s, median; %d customers. CPU includes the PostgreSQL server's (the whole server's: other clients of a shared server inflate it).\n\n",
		o.workers, o.rounds, o.dur, f.customers)
	phaseTable(rep, phases, map[string][]*benchPhase{"get-pg": {pBare}})
	_, latErr := latencies(ctx, rep, prod.base, auth, nil, f.names, o, listPaths(f.maxID))
	if pGet.ok() && pBare.ok() {
		r := pGet.rate() / pBare.rate()
		cpu := "–"
		if pGet.cpuPer() > 0 && pBare.cpuPer() > 0 {
			cpu = fmt.Sprintf("%.2f", pBare.cpuPer()/pGet.cpuPer())
		}
		g.add("PostgreSQL GET ≥ 0.8 × C-PG-GET", fmt.Sprintf("%.2f × by rate (%.0f vs %.0f req/s), %s × by CPU incl. server (%d customers)",
			r, pGet.rate(), pBare.rate(), cpu, f.customers), r >= 0.8 && (pGet.cpuPer() == 0 || pBare.cpuPer() == 0 || pBare.cpuPer()/pGet.cpuPer() >= 0.8))
	} else {
		g.skip("PostgreSQL GET ≥ 0.8 × C-PG-GET", "not measured")
	}
	var failed []string
	for _, p := range phases {
		if !p.ok() {
			failed = append(failed, p.name+": "+oneLine(p.err))
		}
	}
	if latErr != nil {
		failed = append(failed, oneLine(latErr))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}
