package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// surveyReportView is the follow-up report (回访周报/月报).
type surveyReportView struct {
	Base
	Rep        survey.Report
	Templates  []survey.Template
	Period     string
	By         string
	At         string
	TemplateID guanxi.ID
	Query      string // the filter as a query string
	// ExportCSV and ExportXLSX are whole URLs: html/template escapes the
	// '&' and '=' of a query string interpolated after "?".
	ExportCSV, ExportXLSX string
}

func num(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// CSAT, NPS, Completion, Mean and Yes format the report's figures; "—"
// when there is nothing to count.
func (v *surveyReportView) CSAT(t survey.Tally) string { return num(t.CSAT()) }
func (v *surveyReportView) NPS(t survey.Tally) string  { return num(t.NPS()) }
func (v *surveyReportView) Mean(t survey.Tally) string { return num(t.Mean()) }
func (v *surveyReportView) Yes(t survey.Tally) string  { return num(t.YesShare()) }
func (v *surveyReportView) Completion(g survey.GroupStats) string {
	return num(g.Completion())
}

// Answers counts the answers of an item.
func (v *surveyReportView) Answers(it survey.ItemStats) int64 { return it.Scored + it.NPSN + it.YesN }

// ItemLabel is the item's question when known, else its key.
func (v *surveyReportView) ItemLabel(it survey.ItemStats) string {
	if it.Text != "" {
		return it.Text
	}
	return it.Key
}

func (h *Handler) surveyReportQuery(r *http.Request) (*surveyReportView, survey.ReportQuery, error) {
	q := r.URL.Query()
	v := &surveyReportView{Base: h.base(r, "web.survey.report", "survey_report"), Period: q.Get("period"), By: q.Get("by"),
		At: q.Get("at"), TemplateID: formIDValue(q.Get("template_id"))}
	if v.Period == "" {
		v.Period = string(survey.Week)
	}
	rq := survey.ReportQuery{Kind: survey.PeriodKind(v.Period), Loc: h.loc, By: v.By, TemplateID: v.TemplateID, Lang: v.Lang}
	if v.At != "" {
		at, err := time.ParseInLocation(time.DateOnly, v.At, h.loc)
		if err != nil {
			return v, rq, guanxi.Invalid(guanxi.Field("at", "validation.date"))
		}
		rq.At = at
	}
	v.Query = url.Values{"period": {v.Period}, "by": {v.By}, "at": {v.At}, "template_id": {strconv.FormatInt(v.TemplateID, 10)}}.Encode()
	v.ExportCSV, v.ExportXLSX = "/reports/surveys.csv?"+v.Query, "/reports/surveys.xlsx?"+v.Query
	return v, rq, nil
}

func formIDValue(s string) guanxi.ID {
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

func (h *Handler) surveyReport(w http.ResponseWriter, r *http.Request) error {
	v, rq, err := h.surveyReportQuery(r)
	if err == nil {
		v.Rep, err = h.app.Surveys.Report(r.Context(), actor(r), rq)
	}
	if err != nil {
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			return err
		}
		v.setError(guanxi.AsError(err))
	}
	if v.Templates, err = h.app.Surveys.Templates(r.Context(), actor(r), false); err != nil {
		return err
	}
	status := http.StatusOK
	if v.Alert != "" {
		status = http.StatusBadRequest
	}
	return h.render(w, r, status, "survey_report", v)
}

// surveyReportCSV and surveyReportXLSX export the report: CSV in UTF-8
// with BOM for Excel; text cells defused against formulas in both.
func (h *Handler) surveyReportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.surveyReportFile(w, r, bulk.FormatCSV)
}

func (h *Handler) surveyReportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.surveyReportFile(w, r, bulk.FormatXLSX)
}

func (h *Handler) surveyReportFile(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	v, rq, err := h.surveyReportQuery(r)
	if err != nil {
		return err
	}
	rep, err := h.app.Surveys.Report(r.Context(), actor(r), rq)
	if err != nil {
		return err
	}
	setDownload(w, fmt.Sprintf("survey-report-%s.%s", rep.Period.Label, f), bulk.ContentType(f))
	t := bulk.NewTable(w, f)
	if err := t.Sheet(v.T("web.survey.report"), []string{v.T("web.survey.col.section"), v.T("web.survey.col.name"), v.T("web.survey.sent"),
		v.T("web.survey.answered_n"), v.T("web.survey.completion"), v.T("web.survey.low"), "CSAT %", "NPS"}, []float64{14, 24}); err != nil {
		return err
	}
	row := func(section, name string, g survey.GroupStats) error {
		return t.Row([]any{section, name, g.Sent, g.Answered, v.Completion(g), g.Low, v.CSAT(g.Tally), v.NPS(g.Tally)})
	}
	if err := row(v.T("web.survey.total"), rep.Period.Label, rep.Total); err != nil {
		return err
	}
	section := v.T("web.survey.by_team")
	if rep.Query.By == survey.ByStaff {
		section = v.T("web.survey.by_staff")
	}
	for _, g := range rep.Groups {
		if err := row(section, g.Name, g); err != nil {
			return err
		}
	}
	for _, p := range rep.Trend {
		if err := row(v.T("web.survey.trend"), p.Period.Label, p.GroupStats); err != nil {
			return err
		}
	}
	for _, it := range rep.Items {
		if err := t.Row([]any{v.T("web.survey.items"), v.ItemLabel(it), nil, it.Scored + it.NPSN + it.YesN, nil, nil,
			v.CSAT(it.Tally), v.NPS(it.Tally)}); err != nil {
			return err
		}
	}
	return t.Close()
}
