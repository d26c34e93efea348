package web

import (
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// reportExportRoutes are the .xlsx twins of the report CSV exports, and the
// complaint list export; they share the permission of their report.
func (h *Handler) reportExportRoutes() []route {
	return []route{
		{"GET", "/reports/followup.xlsx", guanxi.PermCustomerRead, h.followupReportXLSX},
		{"GET", "/reports/surveys.xlsx", guanxi.PermSurveyAdmin, h.surveyReportXLSX},
		{"GET", "/audit/export.xlsx", guanxi.PermAuditRead, h.auditExportXLSX},
		{"GET", "/tickets/export.csv", guanxi.PermExport, h.ticketExportCSV},
		{"GET", "/tickets/export.xlsx", guanxi.PermExport, h.ticketExportXLSX},
	}
}

// maxTicketExport bounds a complaint list export (it is written while the
// user waits; the board's filters narrow it).
const maxTicketExport = 100000

func (h *Handler) ticketExportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.ticketExport(w, r, bulk.FormatCSV)
}

func (h *Handler) ticketExportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.ticketExport(w, r, bulk.FormatXLSX)
}

// ticketExport writes the complaint board's list with its filters, page by
// page, the complainant's phone masked as on screen; the export is audited
// with its row count.
func (h *Handler) ticketExport(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	a := actor(r)
	q := r.URL.Query()
	lq := ticketQuery(q)
	lq.Cursor, lq.Limit = "", ticket.MaxLimit
	// The first page before any byte is written: a bad filter is still an
	// error page.
	page, err := h.app.Tickets.List(r.Context(), a, lq)
	if err != nil {
		return err
	}
	lists, err := h.ticketLists(r.Context(), a)
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	setDownload(w, "complaints-"+time.Now().In(h.loc).Format("20060102-150405")+"."+string(f), bulk.ContentType(f))
	t := bulk.NewTable(w, f)
	if err := t.Sheet(b.T("web.ticket.board"), []string{b.T("web.ticket.number"), b.T("field.subject"), b.T("web.ticket.customer"),
		b.T("field.contact_phone"), b.T("field.status"), b.T("field.severity"), b.T("field.category_id"), b.T("field.channel"),
		b.T("web.ticket.unit"), b.T("field.assignee_id"), b.T("field.received_at"), b.T("web.ticket.resolution_due"),
		b.T("web.export.col.resolved_at"), b.T("web.ticket.level")}, []float64{16, 30, 12, 14, 10, 8, 16, 10, 14, 10, 17, 17, 17, 6}); err != nil {
		return err
	}
	tm := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.In(h.loc).Format("2006-01-02 15:04")
	}
	var n int64
	for {
		for _, tk := range page.Items {
			who := tk.ContactName
			if tk.CustomerID != nil {
				who = tk.CustomerName
			}
			received := tk.ReceivedAt
			if err := t.Row([]any{tk.Number, tk.Subject, who, customer.MaskPhone(tk.ContactPhone), b.Enum("ticket_status", tk.Status),
				b.Enum("severity", tk.Severity), lists.CategoryName(tk.CategoryID, b.Lang), b.Enum("ticket_channel", tk.Channel),
				tk.OrgUnitName, tk.AssigneeName, tm(&received), tm(tk.ResolutionDue), tm(tk.ResolvedAt), tk.EscalationLevel}); err != nil {
				return err
			}
			n++
		}
		if page.NextCursor == "" || n >= maxTicketExport {
			break
		}
		lq.Cursor = page.NextCursor
		if page, err = h.app.Tickets.List(r.Context(), a, lq); err != nil {
			return err
		}
	}
	if err := t.Close(); err != nil {
		return err
	}
	filter := map[string]any{}
	for k := range q {
		filter[k] = q.Get(k)
	}
	return h.app.Exports.AuditExport(r.Context(), a, "tickets", f, n, filter)
}
