package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// benchChild is a server the bench runs as a separate process: the real
// `guanxi serve`, or the bare C-HELLO handler (`guanxi bench hello-server`).
// With cmd nil it stands for a server in the bench process itself.
type benchChild struct {
	cmd     *exec.Cmd
	base    string        // http://127.0.0.1:port
	startup time.Duration // exec → first 200 from the ready path
	done    chan error
}

// selfCommand runs this binary with args. Under `go test` the binary is
// the test binary, whose TestMain (import_test.go) runs the command named
// by GUANXI_TEST_CHILD_ARGS instead of the tests; the real binary ignores
// the variable.
func selfCommand(ctx context.Context, env []string, args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(append(os.Environ(), env...), "GUANXI_TEST_CHILD_ARGS="+strings.Join(args, "\x1f"))
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	return cmd, nil
}

var runningAt = regexp.MustCompile(`running at (http://[0-9.:]+)`)

// startChild starts cmd, reads its address from the "running at" line it
// prints, and polls ready until it answers 200. startup runs from exec to
// that first 200.
func startChild(cmd *exec.Cmd, ready string) (*benchChild, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &benchChild{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, out)
		c.done <- cmd.Wait()
	}()
	deadline := time.After(10 * time.Minute) // a 1M database's first open may check the file
	select {
	case c.base = <-addr:
	case err := <-c.done:
		return nil, fmt.Errorf("%s exited before serving: %v", cmd.Args[1], err)
	case <-deadline:
		c.stop()
		return nil, fmt.Errorf("%s did not start", cmd.Args[1])
	}
	for {
		resp, err := http.Get(c.base + ready)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.startup = time.Since(t0)
				return c, nil
			}
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("%s exited before ready: %v", cmd.Args[1], err)
		case <-deadline:
			c.stop()
			return nil, fmt.Errorf("%s never answered %s", cmd.Args[1], ready)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (c *benchChild) pid() int { return c.cmd.Process.Pid }

// cpu is the child's CPU time so far (user + system), -1 when unknown.
func (c *benchChild) cpu() time.Duration {
	if c.cmd == nil {
		return 0 // counted as this process's
	}
	st, ok := procStat(c.pid())
	if !ok {
		return -1
	}
	return time.Duration(st.utime+st.stime) * 10 * time.Millisecond
}

// peakRSS is the child's VmHWM in bytes.
func (c *benchChild) peakRSS() int64 {
	if c.cmd == nil {
		return readHWM()
	}
	return statusHWM(fmt.Sprintf("/proc/%d/status", c.pid()))
}

// stop ends the child as an operator would (SIGINT, graceful shutdown).
func (c *benchChild) stop() {
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// startServeChild runs `guanxi serve` on c's database and key file on a
// free loopback port. The
// per-user rate limit is off (the load is one synthetic user far faster
// than a person); every other production default stays, including the
// in-flight limit that answers 503 under overload. Its log goes nowhere.
func startServeChild(ctx context.Context, c config) (*benchChild, error) {
	cmd, err := selfCommand(ctx, []string{"GUANXI_RATE_LIMIT_USER=-1", "GUANXI_ADMIN_PASSWORD=" + benchAdminPassword},
		"serve", "--addr", "127.0.0.1:0", "--db", c.DB, "--key-file", c.keyPath())
	if err != nil {
		return nil, err
	}
	return startChild(cmd, "/api/v1/health")
}

// startHelloChild runs the C-HELLO server in its own process.
func startHelloChild(ctx context.Context) (*benchChild, error) {
	cmd, err := selfCommand(ctx, nil, "bench", "hello-server")
	if err != nil {
		return nil, err
	}
	return startChild(cmd, "/")
}

// helloHandler is C-HELLO: a bare net/http JSON handler.
func helloHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hello":"world"}`))
	})
}

// cmdBenchHelloServer is `guanxi bench hello-server` (hidden): C-HELLO
// on a free loopback port until interrupted.
func cmdBenchHelloServer(ctx context.Context, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: helloHandler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "C-HELLO running at http://%s\n", ln.Addr())
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
