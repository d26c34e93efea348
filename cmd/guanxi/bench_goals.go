package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/loadgen"
)

// goals is the report's closing table: each target of issue 6 with what
// this run measured and whether it is met.
type goals struct{ rows [][3]string }

func (g *goals) add(goal, measured string, met bool) {
	m := "**no**"
	if met {
		m = "yes"
	}
	g.rows = append(g.rows, [3]string{goal, measured, m})
}

func (g *goals) skip(goal, why string) { g.rows = append(g.rows, [3]string{goal, why, "–"}) }

func (g *goals) write(b *strings.Builder) {
	fmt.Fprintf(b, "| goal | measured | met? |\n|---|---|---|\n")
	for _, r := range g.rows {
		fmt.Fprintf(b, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	fmt.Fprintf(b, "\nRatios by rate are medians of interleaved rounds; \"by CPU\" compares CPU time per request (client and server processes together), which depends far less on what else runs on the machine. A ratio goal counts as met only when both the rate ratio and the CPU ratio meet it.\n")
}

// openLoopP99 is the 99th percentile of all scheduled requests, counting
// every one that was missed, failed or not answered 2xx/3xx as slower than
// any answered one; ok is false when those are more than 1 %.
func openLoopP99(r loadgen.Result) (time.Duration, bool) {
	total := r.Sent + r.Missed
	bad := total - int64(len(r.OK))
	if total == 0 || float64(bad) > 0.01*float64(total) {
		return 0, false
	}
	i := int64(float64(total)*0.99+0.999999) - 1
	if i >= int64(len(r.OK)) {
		return 0, false
	}
	return r.OK[i], true
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
