package ticket

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

// AnalyticsStore is what complaint analytics needs from storage.
type AnalyticsStore interface {
	// ComplaintAnalytics counts the tickets of f in a's ticket scope, and
	// the active customers in a's customer scope, with GROUP BY in SQL.
	ComplaintAnalytics(ctx context.Context, a guanxi.Actor, f AnalyticsFilter) (AnalyticsCounts, error)
	Categories(ctx context.Context) ([]Category, error)
	Audit(ctx context.Context, entries ...audit.Entry) error
}

// Setting keys of the KPI targets, in percent (declared in
// internal/settings).
const (
	SettingTargetBreach       = "ticket.target_breach_percent"
	SettingTargetFCR          = "ticket.target_fcr_percent"
	SettingTargetComplaint    = "ticket.target_complaint_rate_percent"
	SettingTargetSatisfaction = "ticket.target_satisfaction_percent"
	SettingTargetReopen       = "ticket.target_reopen_percent"
)

// Analytics is the complaint analysis (投诉分析).
type Analytics struct {
	Store    AnalyticsStore
	Settings Settings // nil: DefaultTargets
	Now      guanxi.Clock
	// Loc is the time zone of the period's days (default Asia/Shanghai,
	// as the day buckets in SQL are UTC+8).
	Loc *time.Location
}

func (s *Analytics) loc() *time.Location {
	if s.Loc != nil {
		return s.Loc
	}
	return time.FixedZone("CST", 8*3600)
}

// Targets reads the KPI targets from the settings.
func (s *Analytics) Targets(ctx context.Context) Targets {
	g := DefaultTargets
	if s.Settings == nil {
		return g
	}
	for _, x := range []struct {
		key string
		to  *float64
	}{{SettingTargetBreach, &g.BreachRate}, {SettingTargetFCR, &g.FCR}, {SettingTargetComplaint, &g.ComplaintRate},
		{SettingTargetSatisfaction, &g.Satisfaction}, {SettingTargetReopen, &g.ReopenRate}} {
		if n := s.Settings.Int(ctx, x.key); n > 0 {
			*x.to = float64(n)
		}
	}
	return g
}

// Report builds the analysis of q over the tickets a may see; it needs
// ticket.read. Category names are in lang.
func (s *Analytics) Report(ctx context.Context, a guanxi.Actor, q AnalyticsQuery, lang string) (Report, error) {
	if !a.Can(guanxi.PermTicketRead) {
		return Report{}, guanxi.Forbidden("error.forbidden")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	q, f, err := ResolvePeriod(q, now(), s.loc())
	if err != nil {
		return Report{Query: q}, err
	}
	counts, err := s.Store.ComplaintAnalytics(ctx, a, f)
	if err != nil {
		return Report{Query: q}, err
	}
	cats, err := s.Store.Categories(ctx)
	if err != nil {
		return Report{Query: q}, err
	}
	return BuildReport(q, counts, cats, s.Targets(ctx), lang), nil
}

// Export builds the report for a download and records who exported which
// filters and how many rows before anything is written.
func (s *Analytics) Export(ctx context.Context, a guanxi.Actor, q AnalyticsQuery, lang, format string) (Report, error) {
	r, err := s.Report(ctx, a, q, lang)
	if err != nil {
		return r, err
	}
	detail := map[string]any{"format": format, "from": r.Query.From, "to": r.Query.To,
		"granularity": r.Query.Granularity, "org_unit_id": r.Query.OrgUnitID, "category_id": r.Query.CategoryID,
		"channel": r.Query.Channel, "rows": r.RowCount()}
	if err := s.Store.Audit(ctx, audit.New(a, audit.ActionExport, "complaint_analytics", 0, detail)); err != nil {
		return r, err
	}
	return r, nil
}
