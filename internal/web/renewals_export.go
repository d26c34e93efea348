package web

import (
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/renewal"
)

func (h *Handler) renewalReportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.renewalReportExport(w, r, bulk.FormatCSV)
}

func (h *Handler) renewalReportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.renewalReportExport(w, r, bulk.FormatXLSX)
}

// renewalReportExport writes the renewal analysis: the months (with a
// total) and the non-renewal reasons. An .xlsx holds both sheets; a CSV
// holds one table, the months, or the reasons with ?part=reasons. Fees are
// numbers in 元 so the sheet can sum them; text cells are defused by the
// table writer. The export is audited with its row count.
func (h *Handler) renewalReportExport(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	a := actor(r)
	q := h.renewalReportQuery(r)
	b := h.base(r, "", "")
	rep, err := h.app.Renewals.Report(r.Context(), a, q, b.Lang)
	if err != nil {
		return err
	}
	v := &renewalReportView{Base: b, Rep: rep}
	reasonsOnly := f == bulk.FormatCSV && r.URL.Query().Get("part") == "reasons"
	name := "renewals-" + rep.Query.From + "_" + rep.Query.To
	if reasonsOnly {
		name += "-reasons"
	}
	setDownload(w, name+"-"+time.Now().In(h.loc).Format("20060102-150405")+"."+string(f), bulk.ContentType(f))
	t := bulk.NewTable(w, f)
	var n int64
	rate := func(m renewal.MonthRow) any {
		x, ok := m.Rate()
		if !ok {
			return nil
		}
		return float64(int64(x*10+0.5)) / 10
	}
	if !reasonsOnly {
		if err := t.Sheet(b.T("web.renewal.monthly"), []string{b.T("web.renewal.month"), b.T("web.renewal.due"),
			b.T("web.renewal.renewed"), b.T("web.renewal.lapsed"), b.T("web.renewal.pending"), b.T("web.renewal.rate_pct"),
			b.T("web.renewal.fees_yuan")}, []float64{12, 10, 10, 10, 10, 12, 14}); err != nil {
			return err
		}
		rows := append(append([]renewal.MonthRow{}, rep.Months...), rep.Total)
		for i, m := range rows {
			label := v.MonthLabel(m.Month)
			if i == len(rows)-1 {
				label = b.T("web.renewal.total")
			}
			if err := t.Row([]any{label, m.Due, m.Renewed, m.Lapsed, m.Pending, rate(m), float64(m.FeeMinor) / 100}); err != nil {
				return err
			}
			n++
		}
	}
	if f == bulk.FormatXLSX || reasonsOnly {
		if err := t.Sheet(b.T("web.renewal.reasons_sheet"), []string{b.T("web.renewal.reason"), b.T("web.renewal.count"),
			b.T("web.renewal.share_pct")}, []float64{36, 10, 10}); err != nil {
			return err
		}
		for _, s := range rep.Reasons {
			if err := t.Row([]any{s.Name, s.N, s.Percent()}); err != nil {
				return err
			}
			n++
		}
	}
	if err := t.Close(); err != nil {
		return err
	}
	filter := map[string]any{"from": rep.Query.From, "to": rep.Query.To, "kind": rep.Query.Kind, "owner_id": rep.Query.OwnerID}
	return h.app.Exports.AuditExport(r.Context(), a, "renewals", f, n, filter)
}

func (h *Handler) renewalListCSV(w http.ResponseWriter, r *http.Request) error {
	return h.renewalListExport(w, r, bulk.FormatCSV)
}

func (h *Handler) renewalListXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.renewalListExport(w, r, bulk.FormatXLSX)
}

// renewalListExport writes every row of the renewal list with its filters
// (not only the page on screen), reading it page by page so the rows
// stream out as they are read; the export is audited with its row count.
func (h *Handler) renewalListExport(w http.ResponseWriter, r *http.Request, f bulk.Format) error {
	a := actor(r)
	month, q, err := h.renewalListQuery(r)
	if err != nil {
		return err
	}
	q.Limit, q.Cursor = renewal.MaxLimit, ""
	// The first page is read before the headers go out, so a refused
	// query is still an error page, not a broken download.
	page, err := h.app.Renewals.Due(r.Context(), a, q)
	if err != nil {
		return err
	}
	reasons, err := h.app.Renewals.Reasons(r.Context(), a, true)
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	setDownload(w, "renewals-"+month+"-"+time.Now().In(h.loc).Format("20060102-150405")+"."+string(f), bulk.ContentType(f))
	t := bulk.NewTable(w, f)
	if err := t.Sheet(b.T("web.renewal.title"), []string{b.T("web.renewal.due_on"), b.T("web.renewal.customer"), b.T("field.kind"),
		b.T("web.renewal.holding"), b.T("field.owner_id"), b.T("web.renewal.amount"), b.T("field.status"), b.T("web.renewal.fee_yuan"),
		b.T("web.renewal.new_due_on"), b.T("web.renewal.reason"), b.T("web.renewal.note")},
		[]float64{12, 20, 10, 20, 12, 12, 10, 12, 12, 24, 24}); err != nil {
		return err
	}
	var n int64
	for {
		for _, d := range page.Items {
			var fee any
			if d.Outcome == renewal.Renewed {
				fee = float64(d.FeeMinor) / 100
			}
			reason := ""
			if d.ReasonCode != "" {
				reason = reasonName(reasons, d.ReasonCode, b.Lang)
			}
			if err := t.Row([]any{d.PeriodDue, d.CustomerName, b.Enum("holding", d.Kind), d.Name, d.OwnerName,
				float64(d.AmountMinor) / 100, b.Enum("renewal_status", d.Status()), fee, d.NewDueOn, reason, d.Note}); err != nil {
				return err
			}
			n++
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
		if page, err = h.app.Renewals.Due(r.Context(), a, q); err != nil {
			return err
		}
	}
	if err := t.Close(); err != nil {
		return err
	}
	filter := map[string]any{"month": month, "kind": q.Kind, "owner_id": q.OwnerID, "status": q.Status, "overdue": q.Overdue}
	return h.app.Exports.AuditExport(r.Context(), a, "renewals", f, n, filter)
}
