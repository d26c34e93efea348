package bulk

import (
	"strings"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Holdings (also carried by customer rows), contacts, transactions and
// interactions: each child row is validated by its domain validator.

// setHolding reads one holding cell (key without the "holding." prefix);
// true when it set the kind.
func (c *Converter) setHolding(s *rowState, h *customer.Holding, col *column, key, v string) bool {
	switch key {
	case "kind":
		k, ok := c.enum(s, col, v)
		h.Kind = customer.HoldingKind(k)
		return ok
	case "name":
		h.Name = v
	case "reference":
		h.Reference = strings.ToUpper(strings.ReplaceAll(HalfWidth(v), " ", ""))
		if runeLen(h.Reference) != 17 {
			h.Reference = HalfWidth(v)
		}
	case "model":
		h.Model = v
	case "amount":
		h.AmountMinor, _ = c.money(s, col, v)
	case "balance":
		h.BalanceMinor, _ = c.money(s, col, v)
	case "currency":
		h.Currency = strings.ToUpper(HalfWidth(v))
	case "opened_on":
		h.OpenedOn, _ = c.date(s, col, v)
	case "due_on":
		h.DueOn, _ = c.date(s, col, v)
	case "status":
		h.Status = v
	case "mileage":
		n, ok := ParseInt(v)
		if !ok {
			s.add(col, keyBadInt, nil)
			break
		}
		if h.Attrs == nil {
			h.Attrs = map[string]any{}
		}
		h.Attrs["mileage"] = n
	}
	return false
}

// finishHolding infers the kind when the file gives none and validates.
func (c *Converter) finishHolding(s *rowState, h *customer.Holding, kindSet bool, prefix string) {
	if !kindSet && h.Kind == "" {
		h.Kind = inferHoldingKind(h, c.header, c.cols, prefix)
	}
	if h.Currency == "" {
		h.Currency = c.o.Currency
	}
	if err := customer.ValidateHolding(h); err != nil {
		s.addErr(err, prefix, nil)
	}
}

// inferHoldingKind guesses a holding's kind from what it has and from the
// words of its column headers: a model or a mileage is a vehicle, a
// balance or loan words a loan, and so on.
func inferHoldingKind(h *customer.Holding, header []string, cols []column, prefix string) customer.HoldingKind {
	if h.Attrs["mileage"] != nil || (h.Model != "" && len(h.Reference) == 17) {
		return "vehicle"
	}
	words := ""
	for _, col := range cols {
		if strings.HasPrefix(col.key, prefix) || prefix == "" {
			words += Fold(col.header) + " "
		}
	}
	for _, w := range []struct {
		kind  customer.HoldingKind
		words []string
	}{
		{"vehicle", []string{"车", "vin", "vehicle"}},
		{"loan", []string{"贷款", "放款", "借款", "loan"}},
		{"deposit", []string{"存款", "储蓄", "deposit"}},
		{"policy", []string{"保单", "保险", "policy"}},
		{"property", []string{"房", "property"}},
		{"subscription", []string{"合同", "会员", "subscription"}},
	} {
		for _, x := range w.words {
			if strings.Contains(words, x) {
				return w.kind
			}
		}
	}
	if h.BalanceMinor != 0 {
		return "loan"
	}
	if h.Model != "" {
		return "vehicle"
	}
	return "other"
}

func (c *Converter) convertContact(s *rowState, rec *Record) {
	ct := &customer.Contact{}
	for i := range c.cols {
		col := &c.cols[i]
		v := CleanText(cellAt(s.row.Cells, col.idx))
		if v == "" || c.childKey(s, rec, col, v) {
			continue
		}
		switch col.key {
		case "name":
			ct.Name = v
		case "title":
			ct.Title = v
		case "mobile":
			ct.Mobile = CleanPhone(v)
		case "phone":
			ct.Phone = CleanPhone(v)
		case "email":
			ct.Email = HalfWidth(v)
		case "wechat":
			ct.WeChat = HalfWidth(v)
		case "is_primary":
			ct.IsPrimary, _ = c.boolean(s, col, v)
		case "notes":
			ct.Notes = v
		}
	}
	if ct.Mobile == "" && IsMobile(ct.Phone) {
		ct.Mobile, ct.Phone = ct.Phone, ""
	} else if ct.Phone == "" && IsLandline(ct.Mobile) {
		ct.Phone, ct.Mobile = ct.Mobile, ""
	}
	if err := customer.ValidateContact(ct); err != nil {
		s.addErr(err, "", nil)
	}
	rec.Contact = ct
}

func (c *Converter) convertTransaction(s *rowState, rec *Record) {
	t := &customer.Transaction{Currency: c.o.Currency}
	for i := range c.cols {
		col := &c.cols[i]
		v := CleanText(cellAt(s.row.Cells, col.idx))
		if v == "" || c.childKey(s, rec, col, v) {
			continue
		}
		switch col.key {
		case "kind":
			t.Kind, _ = c.enum(s, col, v)
		case "amount":
			t.AmountMinor, _ = c.money(s, col, v)
		case "currency":
			t.Currency = strings.ToUpper(HalfWidth(v))
		case "occurred_at":
			t.OccurredAt, _ = c.time(s, col, v)
		case "description":
			t.Description = v
		}
	}
	if t.Kind == "" {
		t.Kind = "other"
	}
	if err := customer.ValidateTransaction(t); err != nil {
		s.addErr(err, "", nil)
	}
	rec.Transaction = t
}

func (c *Converter) convertInteraction(s *rowState, rec *Record) {
	in := &customer.Interaction{}
	for i := range c.cols {
		col := &c.cols[i]
		v := CleanText(cellAt(s.row.Cells, col.idx))
		if v == "" || c.childKey(s, rec, col, v) {
			continue
		}
		switch col.key {
		case "channel":
			in.Channel, _ = c.enum(s, col, v)
		case "direction":
			in.Direction, _ = c.enum(s, col, v)
		case "occurred_at":
			in.OccurredAt, _ = c.time(s, col, v)
		case "summary":
			in.Summary = v
		case "outcome":
			in.Outcome = v
		case "next_action":
			in.NextAction = v
		case "next_action_on":
			in.NextActionOn, _ = c.date(s, col, v)
		case "purpose":
			in.Purpose, _ = c.enum(s, col, v)
		case "staff":
			in.StaffName = v
		}
	}
	if in.Channel == "" {
		in.Channel = "other"
	}
	if err := customer.ValidateInteraction(in); err != nil {
		s.addErr(err, "", nil)
	}
	rec.Interaction = in
}
