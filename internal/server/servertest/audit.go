package servertest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/audit"
)

// AuditHead returns the seq of the newest audit row (0 when none), to look
// at what a test wrote after it.
func (e *Env) AuditHead(t testing.TB) int64 {
	t.Helper()
	es, err := e.Store.ListAudit(context.Background(), audit.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		return 0
	}
	return es[0].Seq
}

// AuditSince returns the audit rows after seq, oldest first.
func (e *Env) AuditSince(t testing.TB, seq int64) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	f := audit.Filter{Limit: 500}
	for {
		page, err := e.Store.ListAudit(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page {
			if x.Seq <= seq {
				slices.Reverse(out)
				return out
			}
			out = append(out, x)
		}
		if len(page) < f.Limit {
			slices.Reverse(out)
			return out
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
}

// DeniedDetail is the detail of an access_denied row.
type DeniedDetail struct {
	Surface string `json:"surface"`
	Method  string `json:"method"`
	Route   string `json:"route"`
	Path    string `json:"path"`
	Perm    string `json:"perm"`
	Reason  string `json:"reason"`
}

// Denied is one 403 a test expects audited: who, and the method and route
// pattern ("GET /api/v1/settings", "POST /admin/users/{id}").
type Denied struct{ User, Route string }

// CheckDeniedAudit fails t unless every audit row after seq is an
// access_denied row (outcome denied, with the actor's id and address), the
// actions in except aside, and every call in denied has one. Rows are
// throttled to one per user and route a minute, so several denials of the
// same route by the same user share a row.
func (e *Env) CheckDeniedAudit(t testing.TB, seq int64, denied map[Denied]bool, except ...string) {
	t.Helper()
	got := map[Denied]bool{}
	for _, x := range e.AuditSince(t, seq) {
		if slices.Contains(except, x.Action) {
			continue
		}
		if x.Action != audit.ActionDenied {
			t.Errorf("denied calls wrote a %s row: %+v", x.Action, x)
			continue
		}
		var d DeniedDetail
		if err := json.Unmarshal([]byte(x.Detail), &d); err != nil {
			t.Errorf("access_denied detail %q: %v", x.Detail, err)
			continue
		}
		if x.Outcome != "denied" || x.ActorID == nil || x.Addr == "" || x.ObjectType != "route" || d.Route == "" || d.Path == "" {
			t.Errorf("access_denied row incomplete: %+v", x)
		}
		k := Denied{x.ActorName, d.Method + " " + d.Route}
		if got[k] {
			t.Errorf("two access_denied rows within the minute for %v", k)
		}
		got[k] = true
	}
	for k := range denied {
		if !got[k] {
			t.Errorf("403 to %s on %s has no access_denied row", k.User, k.Route)
		}
	}
}
