package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// followupReportView is the follow-up report (回访周报/月报) of the current
// week or month, per team and staff in the actor's scope, with its trend.
type followupReportView struct {
	Base
	R task.Report
}

// ReportChannels and ReportPurposes are the columns of the breakdowns.
func (v *followupReportView) ReportChannels() []string { return customer.Channels }
func (v *followupReportView) ReportPurposes() []string {
	return append(append([]string{}, customer.Purposes...), "none")
}

// Count reads one cell of a breakdown.
func (v *followupReportView) Count(m map[string]int, k string) int { return m[k] }

func (h *Handler) followupReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.app.Tasks.Report(r.Context(), actor(r), r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	v := &followupReportView{Base: h.base(r, "web.followup.title", "followup_report"), R: rep}
	return h.render(w, r, http.StatusOK, "followup_report", v)
}

// followupReportCSV and followupReportXLSX export the report: staff,
// teams, total, then trend (CSV in UTF-8 with BOM for Excel; formula-like
// cells defused in both).
func (h *Handler) followupReportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.followupReportFile(w, r, bulk.FormatCSV)
}

func (h *Handler) followupReportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.followupReportFile(w, r, bulk.FormatXLSX)
}

func (h *Handler) followupReportFile(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	rep, err := h.app.Tasks.Report(r.Context(), actor(r), r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	setDownload(w, "followup-"+rep.Kind+"-"+time.Now().In(h.loc).Format("20060102")+"."+string(f), bulk.ContentType(f))
	head := []string{b.T("web.followup.level"), b.T("web.followup.team"), b.T("field.name"), b.T("web.followup.period"),
		b.T("web.followup.due"), b.T("web.followup.done"), b.T("web.followup.rate"), b.T("web.followup.overdue"), b.T("web.followup.interactions")}
	for _, c := range customer.Channels {
		head = append(head, b.Enum("channel", c))
	}
	v := &followupReportView{}
	for _, p := range v.ReportPurposes() {
		head = append(head, b.Enum("purpose", p))
	}
	t := bulk.NewTable(w, f)
	if err := t.Sheet(b.T("web.followup.title"), head, []float64{10, 16, 16, 24}); err != nil {
		return err
	}
	period := rep.Current.From + "~" + rep.Current.To
	row := func(level, team string, l task.Line, period string) error {
		var rate any // nothing was due: no rate, rather than a flattering 100%
		if l.Due > 0 {
			rate = strconv.Itoa(l.Rate()) + "%"
		}
		rec := []any{level, team, l.Name, period, l.Due, l.Done, rate, l.Overdue, l.Interactions}
		for _, c := range customer.Channels {
			rec = append(rec, l.ByChannel[c])
		}
		for _, p := range v.ReportPurposes() {
			rec = append(rec, l.ByPurpose[p])
		}
		return t.Row(rec)
	}
	for _, l := range rep.Staff {
		if err := row(b.T("web.followup.staff"), l.Team, l, period); err != nil {
			return err
		}
	}
	for _, l := range rep.Teams {
		if err := row(b.T("web.followup.team"), "", l, period); err != nil {
			return err
		}
	}
	tot := rep.Total
	tot.Name = b.T("web.followup.total")
	if err := row(b.T("web.followup.total"), "", tot, period); err != nil {
		return err
	}
	for i, l := range rep.Trend {
		p := rep.Periods[i]
		l.Name = b.T("web.followup.total")
		if err := row(b.T("web.followup.trend"), "", l, p.From+"~"+p.To); err != nil {
			return err
		}
	}
	return t.Close()
}
