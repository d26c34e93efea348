package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/renewal"
)

// renewalRoutes are the renewal list with its record and correction forms,
// the renewal analysis with its exports, and the reason codes.
func (h *Handler) renewalRoutes() []route {
	return []route{
		{"GET", "/renewals", guanxi.PermCustomerRead, h.renewalList},
		{"GET", "/renewals/export.csv", guanxi.PermExport, h.renewalListCSV},
		{"GET", "/renewals/export.xlsx", guanxi.PermExport, h.renewalListXLSX},
		{"GET", "/renewals/holdings/{id}", guanxi.PermCustomerWrite, h.renewalNew},
		{"POST", "/renewals/holdings/{id}", guanxi.PermCustomerWrite, h.renewalCreate},
		{"GET", "/renewals/{id}", guanxi.PermCustomerRead, h.renewalShow},
		{"POST", "/renewals/{id}", guanxi.PermCustomerWrite, h.renewalCorrect},
		{"GET", "/renewals/reasons", guanxi.PermCareAdmin, h.renewalReasons},
		{"POST", "/renewals/reasons", guanxi.PermCareAdmin, h.renewalReasonCreate},
		{"POST", "/renewals/reasons/{code}", guanxi.PermCareAdmin, h.renewalReasonUpdate},
		{"GET", "/reports/renewals", guanxi.PermCareReport, h.renewalReport},
		{"GET", "/reports/renewals.csv", guanxi.PermCareReport, h.renewalReportCSV},
		{"GET", "/reports/renewals.xlsx", guanxi.PermCareReport, h.renewalReportXLSX},
	}
}

// renewalListView is the renewal work list (续费跟进): periods due in the
// month (and overdue ones), each pending one with its two forms.
type renewalListView struct {
	Base
	Q       renewal.DueQuery
	Month   string
	Items   []renewal.DueItem
	Reasons []renewal.Reason
	Owners  []ownerOption
	// Back returns the forms to this list with its filters.
	Back string
	// Next and First page the list with its filters (empty when there is
	// no next page, or when this is the first).
	Next, First string
}

// renewalListPage is how many due periods the list shows at once.
const renewalListPage = 100

// RenewalStatuses lists the statuses for the filter.
func (b *Base) RenewalStatuses() []string { return renewal.Statuses }

// RenewalStatusClass is the badge style of a status.
func (b *Base) RenewalStatusClass(s string) string {
	switch s {
	case renewal.Renewed:
		return "ok"
	case renewal.Lapsed:
		return "bad"
	}
	return ""
}

// ReasonName names a reason code in the page language.
func (v *renewalListView) ReasonName(code string) string { return reasonName(v.Reasons, code, v.Lang) }

func reasonName(rs []renewal.Reason, code, lang string) string {
	for _, r := range rs {
		if r.Code == code {
			return r.Name(lang)
		}
	}
	return code
}

// Overdue reports whether a pending period is past due on the business day.
func (v *renewalListView) Overdue(d renewal.DueItem) bool {
	return d.Outcome == "" && d.PeriodDue < time.Now().In(v.h.loc).Format(time.DateOnly)
}

// renewalListQuery reads the list filters: a month (default this one)
// with the overdue periods before it unless overdue=0.
func (h *Handler) renewalListQuery(r *http.Request) (month string, q renewal.DueQuery, err error) {
	vals := r.URL.Query()
	month = strings.TrimSpace(vals.Get("month"))
	if month == "" {
		month = time.Now().In(h.loc).Format("2006-01")
	}
	q = renewal.DueQuery{Kind: vals.Get("kind"), OwnerID: queryID(vals, "owner_id"), Status: vals.Get("status"),
		Overdue: vals.Get("overdue") != "0", Cursor: vals.Get("cursor")}
	if t, perr := time.Parse("2006-01", month); perr == nil {
		q.From, q.To = t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly)
	} else {
		err = guanxi.Invalid(guanxi.Field("month", "renewal.month_format"))
	}
	return month, q, err
}

// ExportQuery is the list's filters for the export links.
func (v *renewalListView) ExportQuery() string {
	vals := url.Values{"month": {v.Month}}
	if v.Q.Kind != "" {
		vals.Set("kind", v.Q.Kind)
	}
	if v.Q.OwnerID != 0 {
		vals.Set("owner_id", strconv.FormatInt(v.Q.OwnerID, 10))
	}
	if v.Q.Status != "" {
		vals.Set("status", v.Q.Status)
	}
	if !v.Q.Overdue {
		vals.Set("overdue", "0")
	}
	return vals.Encode()
}

func (h *Handler) renewalList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	v := &renewalListView{Base: h.base(r, "web.renewal.title", "renewals"), Back: r.URL.RequestURI()}
	var err error
	v.Month, v.Q, err = h.renewalListQuery(r)
	v.Q.Limit = renewalListPage
	var page renewal.DuePage
	if v.Reasons, err = h.reasonsOr(r, err); err == nil {
		page, err = h.app.Renewals.Due(r.Context(), a, v.Q)
	}
	v.Owners = h.owners(r.Context(), a)
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindInvalid {
			return err
		}
		v.setError(e)
		return h.render(w, r, http.StatusBadRequest, "renewals", v)
	}
	v.Items = page.Items
	// The links name the month: a list opened on the default month keeps
	// it when the next page is opened after the month has turned.
	qs := cloneValues(r.URL.Query())
	qs.Set("month", v.Month)
	if page.NextCursor != "" {
		next := cloneValues(qs)
		next.Set("cursor", page.NextCursor)
		v.Next = r.URL.Path + "?" + next.Encode()
	}
	if v.Q.Cursor != "" {
		qs.Del("cursor")
		v.First = r.URL.Path + "?" + qs.Encode()
	}
	return h.render(w, r, http.StatusOK, "renewals", v)
}

// reasonsOr loads the reason codes unless err is already set.
func (h *Handler) reasonsOr(r *http.Request, err error) ([]renewal.Reason, error) {
	rs, rerr := h.app.Renewals.Reasons(r.Context(), actor(r), true)
	if err != nil {
		return rs, err
	}
	return rs, rerr
}

// renewalFormView records (IsNew) or corrects a period's decision.
type renewalFormView struct {
	Base
	H       renewal.Holding
	R       renewal.Record
	IsNew   bool
	Fee     string
	Reasons []renewal.Reason
	Back    string
}

// ActiveReasons are the codes a new decision may pick (plus the record's own).
func (v *renewalFormView) ActiveReasons() []renewal.Reason {
	var out []renewal.Reason
	for _, r := range v.Reasons {
		if r.Active || r.Code == v.R.ReasonCode {
			out = append(out, r)
		}
	}
	return out
}

// ReasonName names a reason code in the page language.
func (v *renewalFormView) ReasonName(code string) string { return reasonName(v.Reasons, code, v.Lang) }

func (h *Handler) renewalForm(r *http.Request, hd renewal.Holding, rec renewal.Record, isNew bool) (*renewalFormView, error) {
	v := &renewalFormView{Base: h.base(r, "web.renewal.record", "renewals"), H: hd, R: rec, IsNew: isNew,
		Back: localPath(r.FormValue("back"), "/renewals")}
	if !strings.HasPrefix(v.Back, "/renewals") {
		v.Back = "/renewals"
	}
	if !isNew {
		v.Title = "web.renewal.correct"
	}
	if rec.FeeMinor > 0 {
		v.Fee = renewal.Yuan(rec.FeeMinor)
	}
	var err error
	v.Reasons, err = h.app.Renewals.Reasons(r.Context(), actor(r), true)
	return v, err
}

func (h *Handler) renewalNew(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hd, err := h.app.Renewals.Holding(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	rec := renewal.Record{HoldingID: hd.ID, DueOn: hd.DueOn, Outcome: r.FormValue("outcome"), NewDueOn: hd.DefaultNewDue()}
	if rec.Outcome != renewal.Lapsed {
		rec.Outcome = renewal.Renewed
	}
	v, err := h.renewalForm(r, hd, rec, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "renewal_form", v)
}

// readRenewalForm fills rec from the posted form; the fee is typed in 元.
func readRenewalForm(r *http.Request, rec *renewal.Record) (fee string, bad guanxi.Fields) {
	rec.Outcome = r.PostFormValue("outcome")
	rec.NewDueOn = r.PostFormValue("new_due_on")
	rec.ReasonCode = r.PostFormValue("reason")
	rec.Note = r.PostFormValue("note")
	fee = strings.TrimSpace(r.PostFormValue("fee"))
	minor, ok := renewal.ParseYuan(fee)
	if !ok {
		bad.Add("fee", "renewal.fee_format")
	}
	rec.FeeMinor = minor
	return fee, bad
}

func (h *Handler) renewalCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	rec := renewal.Record{DueOn: r.PostFormValue("due_on")}
	fee, bad := readRenewalForm(r, &rec)
	hv, _ := strconv.ParseInt(r.PostFormValue("holding_version"), 10, 64)
	err = bad.Err()
	if err == nil {
		err = h.app.Renewals.Record(r.Context(), a, id, &rec, hv)
	}
	if err != nil {
		hd, herr := h.app.Renewals.Holding(r.Context(), a, id)
		if herr != nil {
			return herr
		}
		rec.HoldingID = hd.ID
		if rec.DueOn == "" {
			rec.DueOn = hd.DueOn
		}
		v, verr := h.renewalForm(r, hd, rec, true)
		if verr != nil {
			return verr
		}
		v.Fee = fee
		return h.formError(w, r, err, "renewal_form", v)
	}
	h.flash(r.Context(), "web.flash.renewal_recorded")
	return redirect(w, r, backTo(r))
}

func backTo(r *http.Request) string {
	b := localPath(r.PostFormValue("back"), "/renewals")
	if !strings.HasPrefix(b, "/renewals") {
		return "/renewals"
	}
	return b
}

func (h *Handler) renewalShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	rec, err := h.app.Renewals.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	hd, err := h.app.Renewals.Holding(r.Context(), a, rec.HoldingID)
	if err != nil {
		return err
	}
	v, err := h.renewalForm(r, hd, rec, false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "renewal_form", v)
}

func (h *Handler) renewalCorrect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	rec := renewal.Record{ID: id}
	fee, bad := readRenewalForm(r, &rec)
	err = bad.Err()
	if err == nil {
		err = h.app.Renewals.Correct(r.Context(), a, &rec, version)
	}
	if err != nil {
		cur, gerr := h.app.Renewals.Get(r.Context(), a, id)
		if gerr != nil {
			return gerr
		}
		hd, herr := h.app.Renewals.Holding(r.Context(), a, cur.HoldingID)
		if herr != nil {
			return herr
		}
		cur.Outcome, cur.NewDueOn, cur.ReasonCode, cur.Note, cur.Version = rec.Outcome, rec.NewDueOn, rec.ReasonCode, rec.Note, version
		v, verr := h.renewalForm(r, hd, cur, false)
		if verr != nil {
			return verr
		}
		v.Fee = fee
		return h.formError(w, r, err, "renewal_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, backTo(r))
}

// renewalReasonsView is the reason-code admin page.
type renewalReasonsView struct {
	Base
	Reasons []renewal.Reason
	New     renewal.Reason
}

func (h *Handler) renewalReasons(w http.ResponseWriter, r *http.Request) error {
	v := &renewalReasonsView{Base: h.base(r, "web.renewal.reasons", "renewals"), New: renewal.Reason{Active: true}}
	var err error
	if v.Reasons, err = h.app.Renewals.Reasons(r.Context(), actor(r), true); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "renewal_reasons", v)
}

func readReasonForm(r *http.Request, rs *renewal.Reason) {
	rs.NameZh = r.PostFormValue("name_zh")
	rs.NameEn = r.PostFormValue("name_en")
	rs.Position, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("position")))
	rs.Active = r.PostFormValue("active") != ""
}

func (h *Handler) renewalReasonCreate(w http.ResponseWriter, r *http.Request) error {
	rs := renewal.Reason{Code: r.PostFormValue("code")}
	readReasonForm(r, &rs)
	if err := h.app.Renewals.SaveReason(r.Context(), actor(r), &rs, 0); err != nil {
		v := &renewalReasonsView{Base: h.base(r, "web.renewal.reasons", "renewals"), New: rs}
		var lerr error
		if v.Reasons, lerr = h.app.Renewals.Reasons(r.Context(), actor(r), true); lerr != nil {
			return lerr
		}
		return h.formError(w, r, err, "renewal_reasons", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/renewals/reasons")
}

func (h *Handler) renewalReasonUpdate(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	rs := renewal.Reason{Code: code}
	readReasonForm(r, &rs)
	if version <= 0 {
		version = -1 // never an insert from the update form
	}
	if err := h.app.Renewals.SaveReason(r.Context(), actor(r), &rs, version); err != nil {
		v := &renewalReasonsView{Base: h.base(r, "web.renewal.reasons", "renewals"), New: renewal.Reason{Active: true}}
		var lerr error
		if v.Reasons, lerr = h.app.Renewals.Reasons(r.Context(), actor(r), true); lerr != nil {
			return lerr
		}
		return h.formError(w, r, err, "renewal_reasons", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/renewals/reasons")
}

// renewalReportView is the renewal analysis (续费分析, SUB-01/02).
type renewalReportView struct {
	Base
	Q      renewal.ReportQuery
	Rep    renewal.Report
	Owners []ownerOption
	Charts map[string]any
	Query  string
}

func (h *Handler) renewalReportQuery(r *http.Request) renewal.ReportQuery {
	q := r.URL.Query()
	return renewal.ReportQuery{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Kind: q.Get("kind"), OwnerID: queryID(q, "owner_id")}
}

func (v *renewalReportView) setQuery(q renewal.ReportQuery) {
	v.Q = q
	vals := url.Values{"from": {q.From}, "to": {q.To}}
	if q.Kind != "" {
		vals.Set("kind", q.Kind)
	}
	if q.OwnerID != 0 {
		vals.Set("owner_id", strconv.FormatInt(q.OwnerID, 10))
	}
	v.Query = vals.Encode()
}

func (h *Handler) renewalReport(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	q := h.renewalReportQuery(r)
	v := &renewalReportView{Base: h.base(r, "web.renewal.report", "renewal_report"), Q: q}
	v.Owners = h.owners(r.Context(), a)
	rep, err := h.app.Renewals.Report(r.Context(), a, q, v.Lang)
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindInvalid {
			return err
		}
		v.setError(e)
		return h.render(w, r, http.StatusBadRequest, "renewal_report", v)
	}
	v.Rep = rep
	v.setQuery(rep.Query)
	v.Charts = v.chartOptions()
	return h.render(w, r, http.StatusOK, "renewal_report", v)
}

// Rate formats a month's renewal rate ("66.7%", "—" without any due).
func (v *renewalReportView) Rate(m renewal.MonthRow) string {
	x, ok := m.Rate()
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "%"
}

// Pct formats a reason's share.
func (v *renewalReportView) Pct(s renewal.ReasonShare) string {
	return strconv.FormatFloat(s.Percent(), 'f', 1, 64) + "%"
}

// MonthLabel names a month: "2026年3月" or "Mar 2026".
func (v *renewalReportView) MonthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	if v.Lang == "en" {
		return t.Format("Jan 2006")
	}
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月"
}

// ChartsJSON is Charts for the data attribute.
func (v *renewalReportView) ChartsJSON() (string, error) { return chartsJSON(v.Charts) }

// KindOptions are the holding kinds for the filters.
func (b *Base) RenewalKinds() []string { return slices.Clone(renewal.HoldingKinds) }
