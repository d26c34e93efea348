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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// TestCrashDuringWrites is TESTPLAN F1: the real binary (this test binary
// re-executed as `guanxi serve`, synchronous=FULL as in production) takes
// concurrent writes — interactions, each with a client-unique summary and
// its audit row — and is killed with SIGKILL at a random moment, then
// restarted, GUANXI_CRASH_ROUNDS times (default 20; 100 on demand). After
// every kill: integrity_check and foreign_key_check pass, every write that
// got a 2xx is present, and no request is half-written (an interaction and
// its audit row are both present or both absent). The server answers
// within 5 s of each restart and the audit chain verifies at the end.
func TestCrashDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness: not in -short")
	}
	rounds := 20
	if v := os.Getenv("GUANXI_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GUANXI_CRASH_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
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

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d rounds", seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 1))
	acked := map[string]int64{} // summary → id of every write that got a 2xx
	for round := 1; round <= rounds; round++ {
		srv := startCrashServer(t, data)
		// 50 clients write until the kill.
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for c := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					summary := fmt.Sprintf("crash r%d c%d n%d", round, c, n)
					id, ok := postInteraction(client, srv.url, token, customers[(c+n)%len(customers)], summary)
					if ok {
						mu.Lock()
						acked[summary] = id
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(450)) * time.Millisecond)
		srv.kill(t)
		close(stop)
		wg.Wait()
		checkAfterCrash(t, data, acked, round)
	}
	if len(acked) < rounds {
		t.Fatalf("only %d writes acknowledged in %d rounds: the harness did not load the server", len(acked), rounds)
	}
	// A last restart serves, and the audit chain is intact.
	srv := startCrashServer(t, data)
	srv.kill(t)
	s, err := sqlstore.Open(ctx, filepath.Join(data, "guanxi.db"), sqlstore.Options{Keys: dataKeys(t, data)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if broken, checked, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
		t.Fatalf("audit chain: broken at %d after %d rows, %v", broken, checked, err)
	}
	t.Logf("%d acknowledged writes over %d kills, all present", len(acked), rounds)
}

// crashCustomers creates n customers owned by the admin.
func crashCustomers(t *testing.T, data string, n int) []guanxi.ID {
	t.Helper()
	ctx := context.Background()
	s, a, err := openApp(ctx, config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	actor := u.Actor("test")
	var ids []guanxi.ID
	for i := range n {
		c := &customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("崩溃测试%d", i), Stage: customer.StageCustomer, OwnerID: u.ID}
		if err := a.Customers.Create(ctx, actor, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

type crashServer struct {
	cmd *exec.Cmd
	url string
}

// startCrashServer starts `guanxi serve` on a free loopback port and waits
// until it answers, at most 5 s.
func startCrashServer(t *testing.T, data string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join([]string{"serve", "--addr", addr, "--data", data, "--rate-limit-user", "-1"}, "\x1f"),
		"GUANXI_ADMIN_PASSWORD=Guanxi-Test-2026x")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	srv := &crashServer{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.url + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("server not serving 5 s after start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *crashServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	s.cmd.Wait()
}

// postInteraction logs one interaction; ok only for a 2xx with its id.
func postInteraction(c *http.Client, base, token string, customerID guanxi.ID, summary string) (int64, bool) {
	id, err := postInteractionErr(c, base, token, customerID, summary)
	return id, err == nil
}

// statusError is a request answered with a status other than 2xx.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("status %d", int(e)) }

// postInteractionErr logs one interaction and returns its id, or why not.
func postInteractionErr(c *http.Client, base, token string, customerID guanxi.ID, summary string) (int64, error) {
	body, _ := json.Marshal(map[string]any{"channel": "phone", "summary": summary, "occurred_at": time.Now().UTC().Format(time.RFC3339)})
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/customers/%d/interactions", base, customerID), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	// As a careful client does: with the key, Go's transport resends a
	// POST the server never read because it closed the idle keep-alive
	// connection first (shutdown), and the server answers a resend once.
	req.Header.Set("Idempotency-Key", summary)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return 0, statusError(resp.StatusCode)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ID == 0 {
		return 0, fmt.Errorf("response without id: %v", err)
	}
	return out.ID, nil
}

// checkAfterCrash verifies the database the killed server left.
func checkAfterCrash(t *testing.T, data string, acked map[string]int64, round int) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(data, "guanxi.db")
	// integrity_check needs the WAL replayed: open read-write once so the
	// recovery a restart would do happens, then check.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.CheckSQLiteFile(ctx, path, true); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	// Audit rows of interaction creates, counted per interaction id.
	audits := map[int64]int{}
	arows, err := db.QueryContext(ctx, "SELECT object_id FROM audit_log WHERE object_type = 'interaction' AND action = 'create'")
	if err != nil {
		t.Fatal(err)
	}
	for arows.Next() {
		var id int64
		if err := arows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		audits[id]++
	}
	arows.Close()
	present := map[string]int64{}
	rows, err := db.QueryContext(ctx, "SELECT id, summary FROM interactions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var summary string
		if err := rows.Scan(&id, &summary); err != nil {
			t.Fatal(err)
		}
		if audits[id] != 1 {
			t.Fatalf("round %d: interaction %d (%s) has %d audit rows, want 1", round, id, summary, audits[id])
		}
		delete(audits, id)
		present[summary] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(audits) != 0 {
		t.Fatalf("round %d: %d audit rows of interactions that do not exist", round, len(audits))
	}
	for summary, id := range acked {
		if got, ok := present[summary]; !ok || got != id {
			t.Fatalf("round %d: acknowledged write %q (id %d) lost (found id %d)", round, summary, id, got)
		}
	}
}
