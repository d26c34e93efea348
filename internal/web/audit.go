package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// auditForm is the audit log filter as typed.
type auditForm struct {
	Actor, Action, ObjectType, Customer, From, To string
}

type auditView struct {
	Base
	F       auditForm
	Entries []audit.Entry
	Next    string
	Export  string
	// ExportXLSX is the same filter as an .xlsx workbook.
	ExportXLSX string
}

// Actions lists the audit actions for the filter.
func (v *auditView) Actions() []string { return audit.Actions }

// ObjectTypes lists the object types for the filter.
func (v *auditView) ObjectTypes() []string {
	return []string{"customer", "contact", "holding", "transaction", "interaction", "user", "org_unit",
		"setting", "api_token", "field_def", "audit_log", "session", "demo", "complaint_analytics", "export", "saved_filter", "customer_access", "retention"}
}

func (h *Handler) auditFilter(q url.Values) (auditForm, audit.Filter, error) {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := auditForm{Actor: g("actor"), Action: g("action"), ObjectType: g("object_type"), Customer: g("customer"), From: g("from"), To: g("to")}
	af := audit.Filter{Action: f.Action, ObjectType: f.ObjectType, Limit: 50}
	var fields guanxi.Fields
	if f.Actor != "" {
		if id, err := strconv.ParseInt(f.Actor, 10, 64); err == nil {
			af.ActorID = id
		} else {
			fields.Add("actor_id", "validation.number")
		}
	}
	if f.Customer != "" {
		if id, err := strconv.ParseInt(f.Customer, 10, 64); err == nil {
			af.CustomerID = id
		} else {
			fields.Add("customer_id", "validation.number")
		}
	}
	if f.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.From, h.loc)
		if err != nil {
			fields.Add("from", "validation.date")
		}
		af.From = t.UTC()
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, h.loc)
		if err != nil {
			fields.Add("to", "validation.date")
		}
		// The whole "to" day is included.
		af.To = t.AddDate(0, 0, 1).UTC()
	}
	if s := g("before"); s != "" {
		af.BeforeSeq, _ = strconv.ParseInt(s, 10, 64)
	}
	return f, af, fields.Err()
}

// auditAllowed applies separation of duties on top of audit.read: in the
// mlps3 profile only the auditor role reads the audit (accesslog.CanReadAudit).
func (h *Handler) auditAllowed(r *http.Request) error {
	profile := ""
	if h.app.Settings != nil {
		profile, _ = h.app.Settings.Get(r.Context(), settings.PasswordPolicy)
	}
	if !accesslog.CanReadAudit(actor(r), profile) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request) error {
	if err := h.auditAllowed(r); err != nil {
		return err
	}
	q := r.URL.Query()
	form, f, err := h.auditFilter(q)
	v := &auditView{Base: h.base(r, "web.audit.title", "audit"), F: form}
	exp := cloneValues(q)
	exp.Del("before")
	v.Export = "/audit/export.csv?" + exp.Encode()
	v.ExportXLSX = "/audit/export.xlsx?" + exp.Encode()
	if err == nil {
		v.Entries, err = h.app.Audit.List(r.Context(), actor(r), f)
	}
	if err != nil {
		return h.formError(w, r, err, "audit", v)
	}
	if len(v.Entries) == f.Limit {
		next := cloneValues(q)
		next.Set("before", strconv.FormatInt(v.Entries[len(v.Entries)-1].Seq, 10))
		v.Next = "/audit?" + next.Encode()
	}
	return h.render(w, r, http.StatusOK, "audit", v)
}

// auditExport and auditExportXLSX stream the filtered log as CSV (UTF-8
// with BOM for Excel) or .xlsx; the service records the export itself in
// the log.
func (h *Handler) auditExport(w http.ResponseWriter, r *http.Request) error {
	return h.auditExportFile(w, r, bulk.FormatCSV)
}

func (h *Handler) auditExportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.auditExportFile(w, r, bulk.FormatXLSX)
}

func (h *Handler) auditExportFile(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	if err := h.auditAllowed(r); err != nil {
		return err
	}
	_, af, err := h.auditFilter(r.URL.Query())
	if err != nil {
		return err
	}
	entries, err := h.app.Audit.Export(r.Context(), actor(r), af, 100000)
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	setDownload(w, "audit-"+time.Now().In(h.loc).Format("20060102-150405")+"."+string(f), bulk.ContentType(f))
	t := bulk.NewTable(w, f)
	if err := t.Sheet(b.T("web.audit.title"), []string{"seq", b.T("web.when"), b.T("field.actor_id"), b.T("web.audit.actor_name"), b.T("web.audit.addr"),
		b.T("field.action"), b.T("field.object_type"), b.T("web.audit.object_id"), b.T("field.customer_id"),
		b.T("field.outcome"), b.T("web.audit.detail"), "hash"}, []float64{8, 20, 8, 14, 14, 12, 14, 10, 10, 8, 60, 20}); err != nil {
		return err
	}
	id := func(p *guanxi.ID) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, e := range entries {
		if err := t.Row([]any{e.Seq, e.At.In(h.loc).Format(time.RFC3339), id(e.ActorID), e.ActorName, e.Addr, e.Action,
			e.ObjectType, id(e.ObjectID), id(e.CustomerID), e.Outcome, e.Detail, e.Hash}); err != nil {
			return err
		}
	}
	return t.Close()
}

// csvSafe defuses spreadsheet formulas in user-controlled text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
