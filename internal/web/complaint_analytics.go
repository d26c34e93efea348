package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// complaintAnalyticsRoutes are the complaint analysis page and its Excel
// export; both count only the tickets the user may see.
func (h *Handler) complaintAnalyticsRoutes() []route {
	return []route{
		{"GET", "/tickets/analytics", guanxi.PermTicketRead, h.complaintAnalytics},
		{"GET", "/tickets/analytics.xlsx", guanxi.PermTicketRead, h.complaintAnalyticsXLSX},
	}
}

// analyticsView is the complaint analysis page (投诉分析).
type analyticsView struct {
	Base
	ticketLists
	Q   ticket.AnalyticsQuery
	Rep ticket.Report
	// Charts holds the ECharts options by chart id; the page puts them as
	// JSON in a data attribute that static/charts.js draws (no inline
	// script).
	Charts map[string]any
	Query  string // the filters as a query string, for the export link
}

func (h *Handler) analyticsQuery(r *http.Request) (*analyticsView, ticket.AnalyticsQuery) {
	q := r.URL.Query()
	aq := ticket.AnalyticsQuery{From: q.Get("from"), To: q.Get("to"), Granularity: ticket.Granularity(q.Get("granularity")),
		OrgUnitID: queryID(q, "org_unit_id"), CategoryID: queryID(q, "category_id"), Channel: q.Get("channel")}
	v := &analyticsView{Base: h.base(r, "web.analytics.title", "complaint_analytics"), Q: aq}
	return v, aq
}

// setQuery records the resolved filters for the form and the export link.
func (v *analyticsView) setQuery(q ticket.AnalyticsQuery) {
	v.Q = q
	vals := url.Values{"from": {q.From}, "to": {q.To}, "granularity": {string(q.Granularity)}}
	if q.OrgUnitID != 0 {
		vals.Set("org_unit_id", strconv.FormatInt(q.OrgUnitID, 10))
	}
	if q.CategoryID != 0 {
		vals.Set("category_id", strconv.FormatInt(q.CategoryID, 10))
	}
	if q.Channel != "" {
		vals.Set("channel", q.Channel)
	}
	v.Query = vals.Encode()
}

func (h *Handler) complaintAnalytics(w http.ResponseWriter, r *http.Request) error {
	v, q := h.analyticsQuery(r)
	var err error
	if v.ticketLists, err = h.ticketLists(r.Context(), actor(r)); err != nil {
		return err
	}
	rep, err := h.app.Analytics.Report(r.Context(), actor(r), q, v.Lang)
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindInvalid {
			return err
		}
		v.setError(e) // the form keeps what was typed
		return h.render(w, r, http.StatusBadRequest, "complaint_analytics", v)
	}
	v.Rep = rep
	v.setQuery(rep.Query)
	v.Charts = v.chartOptions()
	return h.render(w, r, http.StatusOK, "complaint_analytics", v)
}

// complaintAnalyticsXLSX exports the page's tables, one sheet per section,
// after an audit row naming who, which filters and how many rows.
func (h *Handler) complaintAnalyticsXLSX(w http.ResponseWriter, r *http.Request) error {
	v, q := h.analyticsQuery(r)
	var err error
	if v.ticketLists, err = h.ticketLists(r.Context(), actor(r)); err != nil {
		return err
	}
	rep, err := h.app.Analytics.Export(r.Context(), actor(r), q, v.Lang, "xlsx")
	if err != nil {
		return err
	}
	v.Rep = rep
	var buf bytes.Buffer
	if err := v.writeXLSX(&buf); err != nil {
		return guanxi.Internal(err)
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="complaint-analytics-%s_%s.xlsx"`, rep.Query.From, rep.Query.To))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// ChartsJSON is Charts for the data attribute (html/template escapes it).
func (v *analyticsView) ChartsJSON() (string, error) {
	b, err := json.Marshal(v.Charts)
	return string(b), err
}

// Labels and figures for the template and the export.

// Pct formats a percentage.
func (v *analyticsView) Pct(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" }

// Hours formats a duration in hours ("—" without data).
func (v *analyticsView) Hours(f float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// KPIValue is the tile's figure, "—" when there is nothing to divide by.
func (v *analyticsView) KPIValue(k ticket.KPI) string {
	x, ok := k.Value()
	if !ok {
		return "—"
	}
	return v.Pct(x)
}

// KPITarget reads "≥ 80%", "≤ 10%" or "< 2%".
func (v *analyticsView) KPITarget(k ticket.KPI) string {
	op := map[string]string{ticket.AtLeast: "≥ ", ticket.AtMost: "≤ ", ticket.Below: "< "}[k.Cmp]
	return op + strconv.FormatFloat(k.Target, 'f', -1, 64) + "%"
}

// KPIName names a tile.
func (v *analyticsView) KPIName(k ticket.KPI) string { return v.T("web.analytics.kpi." + k.Key) }

// KPIHelp says what a tile divides.
func (v *analyticsView) KPIHelp(k ticket.KPI) string {
	return v.T("web.analytics.kpi." + k.Key + ".help")
}

// KPIState names the tile's state for screen readers.
func (v *analyticsView) KPIState(k ticket.KPI) string { return v.T("web.analytics.state." + k.State()) }

// BarLabel names a bar of a top list: the rest, "no unit"/"no assignee"
// (what is "unit" or "staff"), or its own label.
func (v *analyticsView) BarLabel(b ticket.BarRow, what string) string {
	switch {
	case b.Rest:
		return v.T("web.analytics.rest")
	case b.Label == "" && what == "unit":
		return v.T("web.analytics.no_unit")
	case b.Label == "":
		return v.T("web.analytics.no_assignee")
	}
	return b.Label
}

// CategoryName names a Pareto row; 0 is "no category".
func (v *analyticsView) CategoryName(p ticket.ParetoRow) string {
	if p.ID == 0 || p.Name == "" {
		return v.T("web.analytics.uncategorised")
	}
	return p.Name
}

// BucketName names a duration bucket.
func (v *analyticsView) BucketName(key string) string { return v.T("web.analytics.bucket." + key) }

// Channels lists the complaint channels for the filter.
func (v *analyticsView) Channels() []string { return ticket.Channels }
