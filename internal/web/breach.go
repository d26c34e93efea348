package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// breachPageMax rows are shown on the page; the CSV has all of them.
const breachPageMax = 200

// breachRoutes are the auditors' breach query (which customers a user
// accessed) and the audit log retention. Beyond audit.read both apply
// separation of duties (auditAllowed; Retention.Set checks it itself so a
// refused change is audited).
func (h *Handler) breachRoutes() []route {
	return []route{
		{"GET", "/audit/breach", guanxi.PermAuditRead, h.breachPage},
		{"GET", "/audit/breach.csv", guanxi.PermAuditRead, h.breachCSV},
		{"GET", "/audit/retention", guanxi.PermAuditRead, h.auditRetentionPage},
		{"POST", "/audit/retention", guanxi.PermAuditRead, h.auditRetentionSave},
	}
}

// breachForm is the query as typed (dates in the deployment's zone, the
// "to" day included).
type breachForm struct {
	User, From, To string
}

type breachView struct {
	Base
	F    breachForm
	Ran  bool
	Rows []accesslog.BreachRow
	// N counts every customer; Rows holds the first breachPageMax.
	N   int
	CSV string
}

// Vias are the report's columns, one per way of access.
func (v *breachView) Vias() []accesslog.Via { return accesslog.Vias }

// Count is a row's count for one way (templates cannot index by a typed key).
func (v *breachView) Count(r accesslog.BreachRow, via accesslog.Via) int64 { return r.Counts[via] }

// More reports whether the page shows only part of the answer.
func (v *breachView) More() bool { return v.N > len(v.Rows) }

// PageMax is how many rows the page shows.
func (v *breachView) PageMax() int { return breachPageMax }

func (h *Handler) breachLabels(b *Base) {
	b.Labels = map[string]string{"user": b.T("accesslog.breach.user"), "days": b.T("accesslog.retention.days")}
}

// breachQuery reads the form; every field error is reported at once.
func (h *Handler) breachQuery(r *http.Request, q url.Values) (breachForm, accesslog.BreachQuery, error) {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := breachForm{User: g("user"), From: g("from"), To: g("to")}
	var bq accesslog.BreachQuery
	var fields guanxi.Fields
	day := func(field, s string) time.Time {
		if s == "" {
			fields.Add(field, "validation.required")
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, h.loc)
		if err != nil {
			fields.Add(field, "validation.date")
			return time.Time{}
		}
		return t
	}
	bq.From = day("from", f.From)
	if t := day("to", f.To); !t.IsZero() {
		bq.To = t.AddDate(0, 0, 1) // the whole "to" day
	}
	id, err := h.app.Breach.ResolveUser(r.Context(), f.User)
	if err != nil && guanxi.KindOf(err) != guanxi.KindInvalid {
		return f, bq, err
	}
	fields = append(fields, guanxi.AsError(err).Fields...)
	bq.UserID = id
	if len(fields) > 0 {
		return f, bq, fields.Err()
	}
	return f, bq, bq.Validate()
}

func (h *Handler) breachPage(w http.ResponseWriter, r *http.Request) error {
	// Permission first: resolving a sign-in name tells whether it exists.
	if err := h.auditAllowed(r); err != nil {
		return err
	}
	q := r.URL.Query()
	v := &breachView{Base: h.base(r, "accesslog.breach.title", "audit")}
	h.breachLabels(&v.Base)
	if !q.Has("user") {
		// A fresh form: the last 30 days.
		today := time.Now().In(h.loc)
		v.F = breachForm{From: today.AddDate(0, 0, -30).Format(time.DateOnly), To: today.Format(time.DateOnly)}
		return h.render(w, r, http.StatusOK, "audit_breach", v)
	}
	form, bq, err := h.breachQuery(r, q)
	v.F = form
	if err == nil {
		v.Ran = true
		v.CSV = "/audit/breach.csv?" + url.Values{"user": {form.User}, "from": {form.From}, "to": {form.To}}.Encode()
		err = h.app.Breach.Run(r.Context(), actor(r), bq, "web", func(row accesslog.BreachRow) error {
			if v.N++; len(v.Rows) < breachPageMax {
				v.Rows = append(v.Rows, row)
			}
			return nil
		})
	}
	if err != nil {
		v.Ran = false
		return h.formError(w, r, err, "audit_breach", v)
	}
	return h.render(w, r, http.StatusOK, "audit_breach", v)
}

// breachCSV streams every row (UTF-8 with BOM, formulas defused by bulk's
// table). The download starts at the first row, so an error before it is
// still an error page.
func (h *Handler) breachCSV(w http.ResponseWriter, r *http.Request) error {
	if err := h.auditAllowed(r); err != nil {
		return err
	}
	form, bq, err := h.breachQuery(r, r.URL.Query())
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	var t bulk.Table
	start := func() error {
		setDownload(w, "breach-"+strconv.FormatInt(bq.UserID, 10)+"-"+strings.ReplaceAll(form.From, "-", "")+".csv", bulk.ContentType(bulk.FormatCSV))
		t = bulk.NewTable(w, bulk.FormatCSV)
		head := []string{"ID", b.T("field.number"), b.T("field.name"), b.T("accesslog.breach.total")}
		for _, via := range accesslog.Vias {
			head = append(head, b.T("accesslog.via."+string(via)))
		}
		return t.Sheet(b.T("accesslog.breach.title"), append(head, b.T("accesslog.breach.first"), b.T("accesslog.breach.last")), nil)
	}
	err = h.app.Breach.Run(r.Context(), actor(r), bq, "csv", func(row accesslog.BreachRow) error {
		if t == nil {
			if err := start(); err != nil {
				return err
			}
		}
		cells := []any{row.CustomerID, row.Number, row.Name, row.Total}
		for _, via := range accesslog.Vias {
			cells = append(cells, row.Counts[via])
		}
		return t.Row(append(cells, row.First.In(h.loc).Format(time.RFC3339), row.Last.In(h.loc).Format(time.RFC3339)))
	})
	if err == nil && t == nil {
		err = start()
	}
	if err != nil && t == nil {
		return err
	}
	if err == nil {
		err = t.Close()
	}
	if err != nil && h.app.Log != nil {
		// The download has started; the error can only be logged.
		h.app.Log.WarnContext(r.Context(), "breach csv", "user", bq.UserID, "err", err)
	}
	return nil
}

type auditRetentionView struct {
	Base
	Days    string
	Version int64
	Min     int
	Max     int
}

func (h *Handler) auditRetentionView(r *http.Request) (*auditRetentionView, error) {
	days, version, err := h.app.AuditRetention.Days(r.Context())
	if err != nil {
		return nil, err
	}
	profile := ""
	if h.app.Settings != nil {
		profile, _ = h.app.Settings.Get(r.Context(), settings.PasswordPolicy)
	}
	v := &auditRetentionView{Base: h.base(r, "accesslog.retention.title", "audit"), Days: strconv.Itoa(days), Version: version,
		Min: accesslog.MinRetention(profile), Max: accesslog.MaxRetentionDays}
	h.breachLabels(&v.Base)
	return v, nil
}

func (h *Handler) auditRetentionPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.auditAllowed(r); err != nil {
		return err
	}
	v, err := h.auditRetentionView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "audit_retention", v)
}

// auditRetentionSave leaves the permission check to Retention.Set, which
// audits a refused attempt (too short, or by someone who may not).
func (h *Handler) auditRetentionSave(w http.ResponseWriter, r *http.Request) error {
	typed := strings.TrimSpace(r.PostFormValue("days"))
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	days, derr := strconv.Atoi(typed)
	var err error
	switch {
	case derr != nil:
		err = guanxi.Invalid(guanxi.Field("days", "validation.number"))
	case verr != nil || version < 0:
		err = &guanxi.Error{Kind: guanxi.KindPreconditionFailed, Key: "error.stale"}
	default:
		err = h.app.AuditRetention.Set(r.Context(), actor(r), days, version)
	}
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindForbidden {
			return err
		}
		if aerr := h.auditAllowed(r); aerr != nil {
			return aerr // the form is not shown to whom may not read it
		}
		v, vErr := h.auditRetentionView(r)
		if vErr != nil {
			return vErr
		}
		v.Days = typed
		return h.formError(w, r, err, "audit_retention", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/audit/retention")
}
