package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

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

// followupReportCSV exports the report: staff, teams, total, then trend
// (UTF-8 with BOM for Excel; formula-like cells defused).
func (h *Handler) followupReportCSV(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.app.Tasks.Report(r.Context(), actor(r), r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="followup-`+rep.Kind+`-`+time.Now().In(h.loc).Format("20060102")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\xEF\xBB\xBF"))
	cw := csv.NewWriter(w)
	head := []string{b.T("web.followup.level"), b.T("web.followup.team"), b.T("field.name"), b.T("web.followup.period"),
		b.T("web.followup.due"), b.T("web.followup.done"), b.T("web.followup.rate"), b.T("web.followup.overdue"), b.T("web.followup.interactions")}
	for _, c := range customer.Channels {
		head = append(head, b.Enum("channel", c))
	}
	v := &followupReportView{}
	for _, p := range v.ReportPurposes() {
		head = append(head, b.Enum("purpose", p))
	}
	_ = cw.Write(head)
	period := rep.Current.From + "~" + rep.Current.To
	row := func(level, team string, l task.Line, period string) {
		rate := "" // nothing was due: no rate, rather than a flattering 100%
		if l.Due > 0 {
			rate = strconv.Itoa(l.Rate()) + "%"
		}
		rec := []string{level, csvSafe(team), csvSafe(l.Name), period, strconv.Itoa(l.Due), strconv.Itoa(l.Done),
			rate, strconv.Itoa(l.Overdue), strconv.Itoa(l.Interactions)}
		for _, c := range customer.Channels {
			rec = append(rec, strconv.Itoa(l.ByChannel[c]))
		}
		for _, p := range v.ReportPurposes() {
			rec = append(rec, strconv.Itoa(l.ByPurpose[p]))
		}
		_ = cw.Write(rec)
	}
	for _, l := range rep.Staff {
		row(b.T("web.followup.staff"), l.Team, l, period)
	}
	for _, l := range rep.Teams {
		row(b.T("web.followup.team"), "", l, period)
	}
	tot := rep.Total
	tot.Name = b.T("web.followup.total")
	row(b.T("web.followup.total"), "", tot, period)
	for i, l := range rep.Trend {
		p := rep.Periods[i]
		l.Name = b.T("web.followup.total")
		row(b.T("web.followup.trend"), "", l, p.From+"~"+p.To)
	}
	cw.Flush()
	return cw.Error()
}
