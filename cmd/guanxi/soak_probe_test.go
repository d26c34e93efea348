package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// soakProbeEnv, set for a child started as `guanxi serve` (childArgsEnv),
// makes the child serve its goroutine profile (pprof, debug=1) on that
// loopback address. It is test-only, so the soak can count the server's
// goroutines without a production endpoint; runtime/pprof is used rather
// than net/http/pprof, which would register on http.DefaultServeMux for
// every test in this binary.
const soakProbeEnv = "GUANXI_TEST_SOAK_PROBE"

func init() {
	addr := os.Getenv(soakProbeEnv)
	if addr == "" || os.Getenv(childArgsEnv) == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak probe:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /goroutines", func(w http.ResponseWriter, _ *http.Request) {
		pprof.Lookup("goroutine").WriteTo(w, 1)
	})
	// Lives as long as the child process, which the test kills.
	go http.Serve(ln, mux)
}

// freeLoopbackAddr returns a loopback address that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// soakSample is one look at the server child.
type soakSample struct {
	at         time.Duration // since the soak began
	rss        int64         // VmRSS, bytes
	goroutines int
	wal        int64 // size of the -wal file, bytes
}

// soakProbe reads the child's RSS from /proc, its goroutine count from the
// probe address, and the WAL file's size.
type soakProbe struct {
	pid    int
	wal    string // path of guanxi.db-wal
	url    string // probe base URL
	client *http.Client
}

func newSoakProbe(pid int, data, addr string) *soakProbe {
	return &soakProbe{pid: pid, wal: filepath.Join(data, "guanxi.db-wal"), url: "http://" + addr,
		client: &http.Client{Timeout: 5 * time.Second}}
}

func (p *soakProbe) sample(at time.Duration) (soakSample, error) {
	s := soakSample{at: at}
	var err error
	if s.rss, err = vmRSS(p.pid); err != nil {
		return s, err
	}
	if s.goroutines, err = p.goroutines(); err != nil {
		return s, err
	}
	if fi, err := os.Stat(p.wal); err == nil {
		s.wal = fi.Size()
	} else if !os.IsNotExist(err) {
		return s, err
	}
	return s, nil
}

// goroutines returns the total of the child's goroutine profile.
func (p *soakProbe) goroutines() (int, error) {
	prof, err := p.profile()
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(prof, "\n")
	n, err := strconv.Atoi(strings.TrimPrefix(first, "goroutine profile: total "))
	if err != nil {
		return 0, fmt.Errorf("goroutine profile header %q", first)
	}
	return n, nil
}

// profile is the child's goroutine profile, grouped by stack (debug=1).
func (p *soakProbe) profile() (string, error) {
	resp, err := p.client.Get(p.url + "/goroutines")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// restingGoroutines waits (at most 10 s) until the count is the same in
// three looks 200 ms apart, so connections the client just closed have
// ended on the server too, and returns it.
func (p *soakProbe) restingGoroutines() (int, error) {
	last, same := -1, 0
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := p.goroutines()
		if err != nil {
			return 0, err
		}
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		if same == 2 || time.Now().After(deadline) {
			return n, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// vmRSS reads the resident set size of a process from /proc.
func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// cpuShares is a look at the machine's CPU time and that of the server
// child and this process, so a soak can say how much of the machine other
// work took while it ran.
type cpuShares struct {
	at                time.Time
	busy, child, self time.Duration
}

func lookCPU(pid int) cpuShares {
	c := cpuShares{at: time.Now(), busy: machineBusy()}
	if st, ok := procStat(pid); ok {
		c.child = time.Duration(st.utime+st.stime) * 10 * time.Millisecond
	}
	c.self, _ = processCPU()
	return c
}

// since describes the CPUs' use from c0 to c: by the server, by this
// process (the load generator), and by everything else.
func (c cpuShares) since(c0 cpuShares) string {
	wall := c.at.Sub(c0.at).Seconds()
	if wall <= 0 || c.busy == 0 {
		return "unknown"
	}
	cpus := func(d time.Duration) float64 { return d.Seconds() / wall }
	server, self := cpus(c.child-c0.child), cpus(c.self-c0.self)
	return fmt.Sprintf("server %.2f, load generator %.2f, other work %.2f of %d CPUs",
		server, self, max(0, cpus(c.busy-c0.busy)-server-self), runtime.NumCPU())
}

// machineBusy is the machine's non-idle CPU time from /proc/stat (0 when
// unknown): the first line's fields but idle and iowait, in 10-ms ticks.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:8] { // user nice system idle iowait irq softirq
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond
}
