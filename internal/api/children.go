package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

type humaAPI = huma.API

type subPath struct {
	ID    guanxi.ID `path:"id" doc:"Customer id"`
	SubID guanxi.ID `path:"sub" doc:"Contact or holding id"`
}

type subWrite[T any] struct {
	ID      guanxi.ID `path:"id"`
	SubID   guanxi.ID `path:"sub"`
	IfMatch string    `header:"If-Match"`
	Body    T
}

type subDelete struct {
	ID      guanxi.ID `path:"id"`
	SubID   guanxi.ID `path:"sub"`
	IfMatch string    `header:"If-Match"`
}

type subCreate[T any] struct {
	ID   guanxi.ID `path:"id"`
	Body T
}

type listLimit struct {
	ID    guanxi.ID `path:"id"`
	Limit int       `query:"limit" minimum:"0" maximum:"200"`
}

type one[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

type many[T any] struct {
	Body []T
}

func (h *Handler) childRoutes(api humaAPI) {
	cs := h.app.Customers
	// Contacts.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/contacts", ID: "list-contacts", Perm: guanxi.PermCustomerRead},
		"Contacts of an organisation customer", func(ctx context.Context, a guanxi.Actor, in *idPath) (*many[ContactIO], error) {
			list, err := cs.Contacts(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &many[ContactIO]{Body: []ContactIO{}}
			for _, c := range list {
				out.Body = append(out.Body, contactOut(c))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/contacts", ID: "create-contact", Perm: guanxi.PermCustomerWrite},
		"Add a contact", func(ctx context.Context, a guanxi.Actor, in *subCreate[ContactIO]) (*one[ContactIO], error) {
			c := in.Body.contact(in.ID)
			if err := cs.SaveContact(ctx, a, &c, 0); err != nil {
				return nil, err
			}
			return &one[ContactIO]{ETag: etag(c.Version), Body: contactOut(c)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/customers/{id}/contacts/{sub}", ID: "update-contact", Perm: guanxi.PermCustomerWrite},
		"Replace a contact (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *subWrite[ContactIO]) (*one[ContactIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			c := in.Body.contact(in.ID)
			c.ID = in.SubID
			if err := cs.SaveContact(ctx, a, &c, v); err != nil {
				return nil, err
			}
			return &one[ContactIO]{ETag: etag(c.Version), Body: contactOut(c)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/customers/{id}/contacts/{sub}", ID: "delete-contact", Perm: guanxi.PermCustomerWrite},
		"Delete a contact (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *subDelete) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, cs.DeleteContact(ctx, a, in.ID, in.SubID, v)
		})

	// Holdings.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/holdings", ID: "list-holdings", Perm: guanxi.PermCustomerRead},
		"Holdings: vehicles, loans, deposits, contracts, property units, policies", func(ctx context.Context, a guanxi.Actor, in *idPath) (*many[HoldingIO], error) {
			list, err := cs.Holdings(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &many[HoldingIO]{Body: []HoldingIO{}}
			for _, x := range list {
				out.Body = append(out.Body, holdingOut(x))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/holdings/{sub}", ID: "get-holding", Perm: guanxi.PermCustomerRead},
		"Get a holding", func(ctx context.Context, a guanxi.Actor, in *subPath) (*one[HoldingIO], error) {
			x, err := cs.Holding(ctx, a, in.ID, in.SubID)
			if err != nil {
				return nil, err
			}
			return &one[HoldingIO]{ETag: etag(x.Version), Body: holdingOut(x)}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/holdings", ID: "create-holding", Perm: guanxi.PermCustomerWrite},
		"Add a holding", func(ctx context.Context, a guanxi.Actor, in *subCreate[HoldingIO]) (*one[HoldingIO], error) {
			x := in.Body.holding(in.ID)
			if err := cs.SaveHolding(ctx, a, &x, 0); err != nil {
				return nil, err
			}
			return &one[HoldingIO]{ETag: etag(x.Version), Body: holdingOut(x)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/customers/{id}/holdings/{sub}", ID: "update-holding", Perm: guanxi.PermCustomerWrite},
		"Replace a holding (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *subWrite[HoldingIO]) (*one[HoldingIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			x := in.Body.holding(in.ID)
			x.ID = in.SubID
			if err := cs.SaveHolding(ctx, a, &x, v); err != nil {
				return nil, err
			}
			return &one[HoldingIO]{ETag: etag(x.Version), Body: holdingOut(x)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/customers/{id}/holdings/{sub}", ID: "delete-holding", Perm: guanxi.PermCustomerWrite},
		"Delete a holding (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *subDelete) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, cs.DeleteHolding(ctx, a, in.ID, in.SubID, v)
		})

	// Transactions and interactions (append-only here).
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/transactions", ID: "list-transactions", Perm: guanxi.PermCustomerRead},
		"Latest transactions", func(ctx context.Context, a guanxi.Actor, in *listLimit) (*many[TransactionIO], error) {
			list, err := cs.Transactions(ctx, a, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &many[TransactionIO]{Body: []TransactionIO{}}
			for _, t := range list {
				out.Body = append(out.Body, TransactionIO{ID: t.ID, HoldingID: t.HoldingID, Kind: t.Kind, AmountMinor: t.AmountMinor,
					Currency: t.Currency, OccurredAt: t.OccurredAt, Description: t.Description})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/transactions", ID: "create-transaction", Perm: guanxi.PermCustomerWrite},
		"Record a transaction", func(ctx context.Context, a guanxi.Actor, in *subCreate[TransactionIO]) (*one[TransactionIO], error) {
			b := in.Body
			cur := b.Currency
			if cur == "" {
				cur = "CNY"
			}
			t := customer.Transaction{CustomerID: in.ID, HoldingID: b.HoldingID, Kind: b.Kind, AmountMinor: b.AmountMinor,
				Currency: cur, OccurredAt: b.OccurredAt, Description: b.Description}
			if err := cs.AddTransaction(ctx, a, &t); err != nil {
				return nil, err
			}
			b.ID, b.Currency, b.OccurredAt = t.ID, t.Currency, t.OccurredAt
			return &one[TransactionIO]{ETag: etag(t.Version), Body: b}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/interactions", ID: "list-interactions", Perm: guanxi.PermCustomerRead},
		"Latest interactions", func(ctx context.Context, a guanxi.Actor, in *listLimit) (*many[InteractionIO], error) {
			list, err := cs.Interactions(ctx, a, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &many[InteractionIO]{Body: []InteractionIO{}}
			for _, x := range list {
				out.Body = append(out.Body, interactionOut(x))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/interactions", ID: "create-interaction", Perm: guanxi.PermCustomerWrite},
		"Log an interaction", func(ctx context.Context, a guanxi.Actor, in *subCreate[InteractionIO]) (*one[InteractionIO], error) {
			b := in.Body
			x := customer.Interaction{CustomerID: in.ID, Channel: b.Channel, Direction: b.Direction, OccurredAt: b.OccurredAt,
				Summary: b.Summary, Outcome: b.Outcome, NextAction: b.NextAction, NextActionOn: b.NextActionOn, Purpose: b.Purpose}
			if x.Direction == "" {
				x.Direction = "out"
			}
			if err := cs.AddInteraction(ctx, a, &x); err != nil {
				return nil, err
			}
			return &one[InteractionIO]{ETag: etag(x.Version), Body: interactionOut(x)}, nil
		})
}

func interactionOut(x customer.Interaction) InteractionIO {
	return InteractionIO{ID: x.ID, Channel: x.Channel, Direction: x.Direction, OccurredAt: x.OccurredAt, Summary: x.Summary,
		Outcome: x.Outcome, NextAction: x.NextAction, NextActionOn: x.NextActionOn, Purpose: x.Purpose, TaskID: x.TaskID,
		StaffName: x.StaffName}
}
