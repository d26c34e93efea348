package accesslog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// BreachQuery asks which customers UserID read, listed, searched, exported
// or revealed in [From, To).
type BreachQuery struct {
	UserID   guanxi.ID
	From, To time.Time
}

// BreachRow is one customer in the answer: how often each way, and the
// first and last time.
type BreachRow struct {
	CustomerID guanxi.ID
	Number     string
	Name       string
	Total      int64
	Counts     map[Via]int64
	First      time.Time
	Last       time.Time
}

// BreachStore answers the query, calling fn per customer in id order.
type BreachStore interface {
	Breach(ctx context.Context, q BreachQuery, fn func(BreachRow) error) error
	Audit(ctx context.Context, entries ...audit.Entry) error
	UserByUsername(ctx context.Context, username string) (staff.User, error)
}

// Breach runs the breach query for auditors.
type Breach struct {
	Store BreachStore
	// Profile returns the security profile ("asvs" or "mlps3"); nil is asvs.
	Profile func(ctx context.Context) string
}

// CanReadAudit reports whether a may read the audit and the access log.
// Outside mlps3 admins keep audit.read (small teams often have one
// administrator); in mlps3 (等保三级 separation of duties) only the
// auditor role may, so the system administrator cannot watch the watchers.
func CanReadAudit(a guanxi.Actor, profile string) bool {
	if !a.Can(guanxi.PermAuditRead) {
		return false
	}
	if profile == "mlps3" && !a.System {
		return a.Role == guanxi.RoleAuditor
	}
	return true
}

func (b *Breach) profile(ctx context.Context) string {
	if b.Profile == nil {
		return ""
	}
	return b.Profile(ctx)
}

// Validate checks the query's fields.
func (q BreachQuery) Validate() error {
	var f guanxi.Fields
	if q.UserID <= 0 {
		f.Add("user", "validation.required")
	}
	if q.From.IsZero() {
		f.Add("from", "validation.required")
	}
	if q.To.IsZero() {
		f.Add("to", "validation.required")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		f.Add("to", "accesslog.range")
	}
	return f.Err()
}

// Run checks a, audits the query itself (who asked about whom and when:
// the query reveals what a user did) and streams the answer to fn.
func (b *Breach) Run(ctx context.Context, a guanxi.Actor, q BreachQuery, format string, fn func(BreachRow) error) error {
	if !CanReadAudit(a, b.profile(ctx)) {
		return guanxi.Forbidden("error.forbidden")
	}
	if err := q.Validate(); err != nil {
		return err
	}
	q.From, q.To = q.From.UTC(), q.To.UTC()
	e := audit.New(a, audit.ActionBreachQuery, "user", q.UserID, map[string]any{
		"from": q.From.Format(time.RFC3339), "to": q.To.Format(time.RFC3339), "format": format})
	if err := b.Store.Audit(ctx, e); err != nil {
		return err
	}
	return b.Store.Breach(ctx, q, fn)
}

// ResolveUser turns what an auditor typed (a user id or a sign-in name)
// into a user id; an unknown name is a field error on "user".
func (b *Breach) ResolveUser(ctx context.Context, s string) (guanxi.ID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, guanxi.Invalid(guanxi.Field("user", "validation.required"))
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	u, err := b.Store.UserByUsername(ctx, strings.ToLower(s))
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return 0, guanxi.Invalid(guanxi.Field("user", "accesslog.user_unknown"))
	}
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}
