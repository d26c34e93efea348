package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/renewal"
)

// RenewalDueIO is one due period of a holding, pending or decided.
type RenewalDueIO struct {
	HoldingID      guanxi.ID  `json:"holding_id"`
	HoldingKind    string     `json:"holding_kind"`
	HoldingName    string     `json:"holding_name"`
	HoldingVersion int64      `json:"holding_version" doc:"Send it back as holding_version when recording"`
	CustomerID     guanxi.ID  `json:"customer_id"`
	CustomerName   string     `json:"customer_name"`
	OwnerID        guanxi.ID  `json:"owner_id"`
	OwnerName      string     `json:"owner_name"`
	AmountMinor    int64      `json:"amount_minor" doc:"The holding's amount in 分"`
	Currency       string     `json:"currency"`
	DueOn          string     `json:"due_on" doc:"The period's due date"`
	Status         string     `json:"status" enum:"pending,renewed,lapsed"`
	RenewalID      *guanxi.ID `json:"renewal_id,omitempty"`
	FeeMinor       int64      `json:"fee_minor,omitempty" doc:"Fee paid in 分 (renewed)"`
	NewDueOn       string     `json:"new_due_on,omitempty"`
	Reason         string     `json:"reason,omitempty" doc:"Non-renewal reason code (lapsed)"`
	Note           string     `json:"note,omitempty"`
	DefaultNewDue  string     `json:"default_new_due,omitempty" doc:"Pending: due date + the holding's period (attrs period_months, 12 by default)"`
}

// RenewalIO is the decision on one due period.
type RenewalIO struct {
	ID             guanxi.ID `json:"id" readOnly:"true"`
	HoldingID      guanxi.ID `json:"holding_id" readOnly:"true"`
	CustomerID     guanxi.ID `json:"customer_id" readOnly:"true"`
	CustomerName   string    `json:"customer_name" readOnly:"true"`
	DueOn          string    `json:"due_on" readOnly:"true"`
	Outcome        string    `json:"outcome" enum:"renewed,lapsed"`
	FeeMinor       int64     `json:"fee_minor" doc:"Fee paid in 分"`
	Currency       string    `json:"currency"`
	NewDueOn       string    `json:"new_due_on,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	Note           string    `json:"note,omitempty"`
	RecordedByName string    `json:"recorded_by_name,omitempty" readOnly:"true"`
	Version        int64     `json:"version" readOnly:"true"`
	CreatedAt      time.Time `json:"created_at" readOnly:"true"`
	UpdatedAt      time.Time `json:"updated_at" readOnly:"true"`
}

// RenewalIn records the outcome of a holding's current due period.
type RenewalIn struct {
	Outcome        string `json:"outcome" enum:"renewed,lapsed"`
	DueOn          string `json:"due_on,omitempty" doc:"The period being decided; when given it must be the holding's current due date (else 409)"`
	HoldingVersion int64  `json:"holding_version,omitempty" minimum:"0" doc:"The holding version the decision was made on (412 when it changed)"`
	FeeMinor       int64  `json:"fee_minor,omitempty" minimum:"0" doc:"Renewed: fee paid in 分"`
	Currency       string `json:"currency,omitempty" doc:"Default: the holding's currency"`
	NewDueOn       string `json:"new_due_on,omitempty" doc:"Renewed: the next due date (YYYY-MM-DD)"`
	Reason         string `json:"reason,omitempty" doc:"Lapsed: a reason code from /api/v1/renewal-reasons (required)"`
	Note           string `json:"note,omitempty" maxLength:"1000"`
}

// RenewalPatch corrects a decision; absent fields keep their value.
type RenewalPatch struct {
	Outcome  *string `json:"outcome,omitempty" enum:"renewed,lapsed"`
	FeeMinor *int64  `json:"fee_minor,omitempty" minimum:"0"`
	Currency *string `json:"currency,omitempty"`
	NewDueOn *string `json:"new_due_on,omitempty"`
	Reason   *string `json:"reason,omitempty"`
	Note     *string `json:"note,omitempty" maxLength:"1000"`
}

// RenewalReportIO is the renewal analysis (SUB-01/02).
type RenewalReportIO struct {
	From    string                 `json:"from" doc:"YYYY-MM"`
	To      string                 `json:"to" doc:"YYYY-MM"`
	Kind    string                 `json:"kind,omitempty"`
	Months  []RenewalMonthIO       `json:"months"`
	Total   RenewalMonthIO         `json:"total"`
	Reasons []RenewalReasonShareIO `json:"reasons" doc:"Lapsed periods by reason; percent adds up to 100"`
}

// RenewalMonthIO is one month of periods due.
type RenewalMonthIO struct {
	Month    string   `json:"month,omitempty" doc:"YYYY-MM; empty for the total"`
	Due      int64    `json:"due"`
	Renewed  int64    `json:"renewed"`
	Lapsed   int64    `json:"lapsed"`
	Pending  int64    `json:"pending"`
	Rate     *float64 `json:"rate,omitempty" doc:"renewed ÷ due in percent; absent without any due"`
	FeeMinor int64    `json:"fee_minor" doc:"Fees of the renewals in 分"`
}

// RenewalReasonShareIO is one reason's share of the lapsed periods.
type RenewalReasonShareIO struct {
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent" doc:"One decimal; largest-remainder rounding so the shares add up to 100"`
}

// RenewalReasonIO is a non-renewal reason code.
type RenewalReasonIO struct {
	Code     string `json:"code" pattern:"^[a-z][a-z0-9_]{0,39}$"`
	NameZh   string `json:"name_zh" maxLength:"100"`
	NameEn   string `json:"name_en,omitempty" maxLength:"100"`
	Position int    `json:"position,omitempty" minimum:"0" maximum:"10000"`
	Active   bool   `json:"active"`
	Version  int64  `json:"version,omitempty" readOnly:"true"`
}

// RenewalReasonPatch changes a reason's names, order or activity.
type RenewalReasonPatch struct {
	NameZh   *string `json:"name_zh,omitempty" maxLength:"100"`
	NameEn   *string `json:"name_en,omitempty" maxLength:"100"`
	Position *int    `json:"position,omitempty" minimum:"0" maximum:"10000"`
	Active   *bool   `json:"active,omitempty"`
}

func renewalOut(r renewal.Record) RenewalIO {
	return RenewalIO{ID: r.ID, HoldingID: r.HoldingID, CustomerID: r.CustomerID, CustomerName: r.CustomerName, DueOn: r.DueOn,
		Outcome: r.Outcome, FeeMinor: r.FeeMinor, Currency: r.Currency, NewDueOn: r.NewDueOn, Reason: r.ReasonCode,
		Note: r.Note, RecordedByName: r.RecordedByName, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func renewalDueOut(d renewal.DueItem) RenewalDueIO {
	out := RenewalDueIO{HoldingID: d.ID, HoldingKind: d.Kind, HoldingName: d.Name, HoldingVersion: d.Version,
		CustomerID: d.CustomerID, CustomerName: d.CustomerName, OwnerID: d.OwnerID, OwnerName: d.OwnerName,
		AmountMinor: d.AmountMinor, Currency: d.Currency, DueOn: d.PeriodDue, Status: d.Status(), RenewalID: d.RecordID,
		FeeMinor: d.FeeMinor, NewDueOn: d.NewDueOn, Reason: d.ReasonCode, Note: d.Note}
	if d.Outcome == "" {
		out.DefaultNewDue = d.DefaultNewDue()
	}
	return out
}

func renewalMonthOut(m renewal.MonthRow) RenewalMonthIO {
	out := RenewalMonthIO{Month: m.Month, Due: m.Due, Renewed: m.Renewed, Lapsed: m.Lapsed, Pending: m.Pending, FeeMinor: m.FeeMinor}
	if r, ok := m.Rate(); ok {
		r = float64(int64(r*10+0.5)) / 10
		out.Rate = &r
	}
	return out
}

func reasonOut(r renewal.Reason) RenewalReasonIO {
	return RenewalReasonIO{Code: r.Code, NameZh: r.NameZh, NameEn: r.NameEn, Position: r.Position, Active: r.Active, Version: r.Version}
}

type renewalDueParams struct {
	From    string    `query:"from" doc:"YYYY-MM-DD; default the first day of this month"`
	To      string    `query:"to" doc:"YYYY-MM-DD; default the last day of this month"`
	Overdue bool      `query:"overdue" doc:"Also pending periods due before from"`
	Kind    string    `query:"kind" enum:"vehicle,loan,deposit,subscription,property,policy,other"`
	OwnerID guanxi.ID `query:"owner_id"`
	Status  string    `query:"status" enum:"pending,renewed,lapsed"`
	Limit   int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50, at most 200"`
	Cursor  string    `query:"cursor" doc:"next_cursor of the page before"`
}

type renewalReportParams struct {
	From    string    `query:"from" doc:"YYYY-MM; default five months before to"`
	To      string    `query:"to" doc:"YYYY-MM; default this month"`
	Kind    string    `query:"kind" enum:"vehicle,loan,deposit,subscription,property,policy,other"`
	OwnerID guanxi.ID `query:"owner_id"`
}

type renewalCreate struct {
	ID   guanxi.ID `path:"id" doc:"Holding id"`
	Body RenewalIn
}

type renewalPath struct {
	ID guanxi.ID `path:"id" doc:"Renewal id"`
}

type renewalPatchIn struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    RenewalPatch
}

type reasonListParams struct {
	All bool `query:"all" doc:"Include retired codes"`
}

type reasonPatchIn struct {
	Code    string `path:"code"`
	IfMatch string `header:"If-Match"`
	Body    RenewalReasonPatch
}

func (h *Handler) renewalRoutes(api humaAPI) {
	rs := h.app.Renewals
	getOne := func(ctx context.Context, a guanxi.Actor, id guanxi.ID) (*one[RenewalIO], error) {
		r, err := rs.Get(ctx, a, id)
		if err != nil {
			return nil, err
		}
		return &one[RenewalIO]{ETag: etag(r.Version), Body: renewalOut(r)}, nil
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/renewals", ID: "list-renewals", Perm: guanxi.PermCustomerRead},
		"Holdings due in a window with their renewal status (your customer scope), by due date, cursor paging",
		func(ctx context.Context, a guanxi.Actor, in *renewalDueParams) (*struct{ Body Page[RenewalDueIO] }, error) {
			page, err := rs.Due(ctx, a, renewal.DueQuery{From: in.From, To: in.To, Overdue: in.Overdue, Kind: in.Kind,
				OwnerID: in.OwnerID, Status: in.Status, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[RenewalDueIO] }{Body: Page[RenewalDueIO]{Items: make([]RenewalDueIO, 0, len(page.Items)), NextCursor: page.NextCursor}}
			for _, d := range page.Items {
				out.Body.Items = append(out.Body.Items, renewalDueOut(d))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/holdings/{id}/renewals", ID: "create-renewal", Perm: guanxi.PermCustomerWrite},
		"Record the outcome of a holding's current due period: renewed (moves the due date) or lapsed (reason required)",
		func(ctx context.Context, a guanxi.Actor, in *renewalCreate) (*one[RenewalIO], error) {
			b := in.Body
			r := renewal.Record{Outcome: b.Outcome, DueOn: b.DueOn, FeeMinor: b.FeeMinor, Currency: b.Currency,
				NewDueOn: b.NewDueOn, ReasonCode: b.Reason, Note: b.Note}
			if err := rs.Record(ctx, a, in.ID, &r, b.HoldingVersion); err != nil {
				return nil, err
			}
			return getOne(ctx, a, r.ID)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/renewals/{id}", ID: "get-renewal", Perm: guanxi.PermCustomerRead},
		"One renewal decision", func(ctx context.Context, a guanxi.Actor, in *renewalPath) (*one[RenewalIO], error) {
			return getOne(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/renewals/{id}", ID: "update-renewal", Perm: guanxi.PermCustomerWrite},
		"Correct a renewal decision (If-Match required); the holding's due date follows",
		func(ctx context.Context, a guanxi.Actor, in *renewalPatchIn) (*one[RenewalIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			cur, err := rs.Get(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			p := in.Body
			set := func(dst *string, src *string) {
				if src != nil {
					*dst = *src
				}
			}
			set(&cur.Outcome, p.Outcome)
			set(&cur.Currency, p.Currency)
			set(&cur.NewDueOn, p.NewDueOn)
			set(&cur.ReasonCode, p.Reason)
			set(&cur.Note, p.Note)
			if p.FeeMinor != nil {
				cur.FeeMinor = *p.FeeMinor
			}
			if err := rs.Correct(ctx, a, &cur, v); err != nil {
				return nil, err
			}
			return getOne(ctx, a, cur.ID)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/reports/renewals", ID: "renewal-report", Perm: guanxi.PermCareReport},
		"Renewal analysis per month (due, renewed, lapsed, pending, rate, fees) and non-renewal reasons, in your scope",
		func(ctx context.Context, a guanxi.Actor, in *renewalReportParams) (*struct{ Body RenewalReportIO }, error) {
			rep, err := rs.Report(ctx, a, renewal.ReportQuery{From: in.From, To: in.To, Kind: in.Kind, OwnerID: in.OwnerID},
				langOf(ctx, h.app.I18n, acceptOf(ctx)))
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := RenewalReportIO{From: rep.Query.From, To: rep.Query.To, Kind: rep.Query.Kind,
				Months: []RenewalMonthIO{}, Total: renewalMonthOut(rep.Total), Reasons: []RenewalReasonShareIO{}}
			for _, m := range rep.Months {
				out.Months = append(out.Months, renewalMonthOut(m))
			}
			for _, r := range rep.Reasons {
				out.Reasons = append(out.Reasons, RenewalReasonShareIO{Code: r.Code, Name: r.Name, Count: r.N, Percent: r.Percent()})
			}
			return &struct{ Body RenewalReportIO }{Body: out}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/renewal-reasons", ID: "list-renewal-reasons", Perm: guanxi.PermSelf},
		"Non-renewal reason codes in order", func(ctx context.Context, a guanxi.Actor, in *reasonListParams) (*many[RenewalReasonIO], error) {
			list, err := rs.Reasons(ctx, a, in.All)
			if err != nil {
				return nil, err
			}
			out := &many[RenewalReasonIO]{Body: []RenewalReasonIO{}}
			for _, r := range list {
				out.Body = append(out.Body, reasonOut(r))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/renewal-reasons", ID: "create-renewal-reason", Perm: guanxi.PermCareAdmin},
		"Add a non-renewal reason code", func(ctx context.Context, a guanxi.Actor, in *struct{ Body RenewalReasonIO }) (*one[RenewalReasonIO], error) {
			b := in.Body
			r := renewal.Reason{Code: b.Code, NameZh: b.NameZh, NameEn: b.NameEn, Position: b.Position, Active: b.Active}
			if err := rs.SaveReason(ctx, a, &r, 0); err != nil {
				return nil, err
			}
			return &one[RenewalReasonIO]{ETag: etag(r.Version), Body: reasonOut(r)}, nil
		})
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/renewal-reasons/{code}", ID: "update-renewal-reason", Perm: guanxi.PermCareAdmin},
		"Rename, reorder or retire a reason code (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *reasonPatchIn) (*one[RenewalReasonIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			all, err := rs.Reasons(ctx, a, true)
			if err != nil {
				return nil, err
			}
			var cur *renewal.Reason
			for i := range all {
				if all[i].Code == in.Code {
					cur = &all[i]
				}
			}
			if cur == nil {
				return nil, guanxi.NotFound("error.not_found")
			}
			p := in.Body
			if p.NameZh != nil {
				cur.NameZh = *p.NameZh
			}
			if p.NameEn != nil {
				cur.NameEn = *p.NameEn
			}
			if p.Position != nil {
				cur.Position = *p.Position
			}
			if p.Active != nil {
				cur.Active = *p.Active
			}
			if err := rs.SaveReason(ctx, a, cur, v); err != nil {
				return nil, err
			}
			return &one[RenewalReasonIO]{ETag: etag(cur.Version), Body: reasonOut(*cur)}, nil
		})
}

// acceptOf is the request's Accept-Language, kept in ctx by the API's
// middleware.
func acceptOf(ctx context.Context) string {
	s, _ := ctx.Value(acceptKey{}).(string)
	return s
}
