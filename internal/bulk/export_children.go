package bulk

import (
	"context"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// writeChildren writes one sheet of the listed customers' holdings,
// transactions or interactions: a second walk over the same pages, one
// query per page of customers. Account references are masked like the
// customer page unless the export reveals them.
func (e *Exporter) writeChildren(ctx context.Context, a guanxi.Actor, p exportPlan, kind string, t Table, src pageSource) error {
	lb := newExportLabels(e.I18n, p.req.Lang)
	r := exportRow{reveal: p.reveal, labels: lb, loc: e.loc()}
	head := []string{lb.t("field.number"), lb.t("field.name")}
	widths := []float64{14, 20}
	switch kind {
	case "holdings":
		head = append(head, lb.t("field.kind"), lb.t("export.col.holding"), lb.t("field.reference"), lb.t("field.model"),
			lb.t("field.amount_minor"), lb.t("field.balance_minor"), lb.t("field.currency"), lb.t("field.opened_on"),
			lb.t("field.due_on"), lb.t("field.status"))
		widths = append(widths, 10, 20, 22, 16, 12, 12, 8, 12, 12, 10)
	case "transactions":
		head = append(head, lb.t("field.kind"), lb.t("field.amount_minor"), lb.t("field.currency"), lb.t("field.occurred_at"),
			lb.t("field.description"))
		widths = append(widths, 10, 12, 8, 17, 40)
	case "interactions":
		head = append(head, lb.t("field.channel"), lb.t("field.occurred_at"), lb.t("export.col.purpose"), lb.t("field.summary"),
			lb.t("field.outcome"), lb.t("field.next_action"), lb.t("field.next_action_on"), lb.t("export.col.staff"))
		widths = append(widths, 10, 17, 10, 40, 20, 20, 12, 12)
	}
	if err := t.Sheet(lb.t("export.sheet."+kind), head, widths); err != nil {
		return err
	}
	money := func(minor int64) any { return float64(minor) / 100 }
	return src(func(page []customer.Customer) error {
		ids := make([]guanxi.ID, len(page))
		byID := make(map[guanxi.ID]*customer.Customer, len(page))
		for i := range page {
			ids[i] = page[i].ID
			byID[page[i].ID] = &page[i]
		}
		who := func(id guanxi.ID) []any {
			c := byID[id]
			if c == nil {
				return []any{nil, nil}
			}
			return []any{cellText(c.Number), cellText(c.Name)}
		}
		switch kind {
		case "holdings":
			list, err := e.Store.ExportHoldings(ctx, a, ids)
			if err != nil {
				return err
			}
			for _, h := range list {
				ref := h.Reference
				if !r.reveal.Account {
					ref = h.Mask().Reference
				}
				if err := t.Row(append(who(h.CustomerID), cellText(lb.enum("holding", string(h.Kind))), cellText(h.Name), cellText(ref),
					cellText(h.Model), money(h.AmountMinor), money(h.BalanceMinor), cellText(h.Currency), cellText(h.OpenedOn),
					cellText(h.DueOn), cellText(lb.enum("holding_status", h.Status)))); err != nil {
					return err
				}
			}
		case "transactions":
			list, err := e.Store.ExportTransactions(ctx, a, ids)
			if err != nil {
				return err
			}
			for _, x := range list {
				if err := t.Row(append(who(x.CustomerID), cellText(lb.enum("transaction", x.Kind)), money(x.AmountMinor),
					cellText(x.Currency), r.time(&x.OccurredAt), cellText(x.Description))); err != nil {
					return err
				}
			}
		case "interactions":
			list, err := e.Store.ExportInteractions(ctx, a, ids)
			if err != nil {
				return err
			}
			for _, in := range list {
				if err := t.Row(append(who(in.CustomerID), cellText(lb.enum("channel", in.Channel)), r.time(&in.OccurredAt),
					cellText(lb.enum("purpose", in.Purpose)), cellText(in.Summary), cellText(in.Outcome), cellText(in.NextAction),
					cellText(in.NextActionOn), cellText(in.StaffName))); err != nil {
					return err
				}
			}
		}
		return ctx.Err()
	})
}
