package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/consent"
)

// ConsentEventIO is one consent ledger row.
type ConsentEventIO struct {
	ID            guanxi.ID `json:"id" readOnly:"true"`
	CustomerID    guanxi.ID `json:"customer_id" readOnly:"true"`
	Purpose       string    `json:"purpose" enum:"marketing,care,service"`
	Channel       string    `json:"channel" enum:"sms,email,phone,wechat"`
	Action        string    `json:"action" enum:"grant,withdraw"`
	NoticeVersion string    `json:"notice_version" readOnly:"true" doc:"Privacy notice version the grant was given under (setting privacy.notice_version)"`
	Source        string    `json:"source" readOnly:"true"`
	ActorName     string    `json:"actor_name" readOnly:"true"`
	Note          string    `json:"note,omitempty"`
	At            time.Time `json:"at" readOnly:"true"`
}

// ConsentChangeIn is one grant or withdrawal.
type ConsentChangeIn struct {
	Purpose string `json:"purpose" enum:"marketing,care,service"`
	Channel string `json:"channel" enum:"sms,email,phone,wechat"`
	Action  string `json:"action" enum:"grant,withdraw"`
}

// ConsentEventsIn appends ledger rows.
type ConsentEventsIn struct {
	Changes []ConsentChangeIn `json:"changes" minItems:"1" maxItems:"12"`
	Note    string            `json:"note,omitempty" maxLength:"500" doc:"E.g. where the customer gave it (signed form no.)"`
}

type consentPath struct {
	ID guanxi.ID `path:"id" doc:"Customer id"`
}

type consentListParams struct {
	ID     guanxi.ID `path:"id" doc:"Customer id"`
	Limit  int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50, at most 200"`
	Cursor string    `query:"cursor" doc:"next_cursor of the page before"`
}

type consentCreate struct {
	ID   guanxi.ID `path:"id" doc:"Customer id"`
	Body ConsentEventsIn
}

func consentOut(e consent.Event) ConsentEventIO {
	return ConsentEventIO{ID: e.ID, CustomerID: e.CustomerID, Purpose: e.Purpose, Channel: e.Channel, Action: e.Action,
		NoticeVersion: e.NoticeVersion, Source: e.Source, ActorName: e.ActorName, Note: e.Note, At: e.At}
}

func (h *Handler) consentRoutes(api humaAPI) {
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/consent-events", ID: "list-consent-events", Perm: guanxi.PermCustomerRead},
		"The customer's consent ledger, newest first, cursor paging (append-only; the current state is the newest row per purpose and channel)",
		func(ctx context.Context, a guanxi.Actor, in *consentListParams) (*struct{ Body Page[ConsentEventIO] }, error) {
			page, _, err := h.app.Consent.History(ctx, a, in.ID, consent.EventQuery{Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[ConsentEventIO] }{Body: Page[ConsentEventIO]{Items: make([]ConsentEventIO, 0, len(page.Items)),
				NextCursor: page.NextCursor}}
			for _, e := range page.Items {
				out.Body.Items = append(out.Body.Items, consentOut(e))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/consent-events", ID: "create-consent-events", Perm: guanxi.PermCustomerWrite},
		"Grant or withdraw purposes on channels; returns the rows appended (none when nothing changed). A withdrawal stops sending at the next dispatch",
		func(ctx context.Context, a guanxi.Actor, in *consentCreate) (*many[ConsentEventIO], error) {
			changes := make([]consent.Change, 0, len(in.Body.Changes))
			for _, c := range in.Body.Changes {
				changes = append(changes, consent.Change{Purpose: c.Purpose, Channel: c.Channel, Action: c.Action})
			}
			evs, err := h.app.Consent.Record(ctx, a, in.ID, changes, consent.SourceAPI, in.Body.Note)
			if err != nil {
				return nil, err
			}
			out := &many[ConsentEventIO]{Body: []ConsentEventIO{}}
			for _, e := range evs {
				out.Body = append(out.Body, consentOut(e))
			}
			return out, nil
		})
}
