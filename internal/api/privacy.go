package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// LegalHoldIO is one legal hold on a customer.
type LegalHoldIO struct {
	ID         guanxi.ID  `json:"id" readOnly:"true"`
	CustomerID guanxi.ID  `json:"customer_id" readOnly:"true"`
	Reason     string     `json:"reason" maxLength:"200" doc:"Case or order reference"`
	SetByName  string     `json:"set_by_name" readOnly:"true"`
	SetAt      time.Time  `json:"set_at" readOnly:"true"`
	ReleasedAt *time.Time `json:"released_at,omitempty" readOnly:"true"`
	Active     bool       `json:"active" readOnly:"true"`
	Version    int64      `json:"version" readOnly:"true"`
}

// ErasureIO is the pseudonymous record of one erasure.
type ErasureIO struct {
	ID        guanxi.ID `json:"id"`
	Pseudonym string    `json:"pseudonym"`
	At        time.Time `json:"at"`
	ByName    string    `json:"by_name"`
	Reason    string    `json:"reason"`
}

// EraseIn asks for a customer's erasure.
type EraseIn struct {
	Reason  string `json:"reason" enum:"subject_request,consent_withdrawn,purpose_fulfilled,retention_expired,unlawful"`
	Confirm string `json:"confirm" doc:"The customer number, typed again"`
}

type privacyExportIn struct {
	ID     guanxi.ID `path:"id"`
	Format string    `query:"format" enum:"json,csv" default:"json"`
}

type erasureListParams struct {
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50, at most 200"`
	Cursor string `query:"cursor" doc:"next_cursor of the page before"`
}

type holdPath struct {
	ID      guanxi.ID `path:"id"`
	HoldID  guanxi.ID `path:"hold"`
	IfMatch string    `header:"If-Match"`
}

func holdOut(h privacy.Hold) LegalHoldIO {
	return LegalHoldIO{ID: h.ID, CustomerID: h.CustomerID, Reason: h.Reason, SetByName: h.SetByName, SetAt: h.SetAt,
		ReleasedAt: h.ReleasedAt, Active: h.Active(), Version: h.Version}
}

// privacyRoutes registers the personal-data rights routes over ps.
func (h *Handler) privacyRoutes(api humaAPI, ps *privacy.Service) {
	perm := guanxi.PermPrivacyAdmin
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/privacy-export", ID: "privacy-export", Perm: perm},
		"Everything held about one customer, unmasked (PIPL 45): JSON, or a zip of one CSV per table; audited",
		func(ctx context.Context, a guanxi.Actor, in *privacyExportIn) (*huma.StreamResponse, error) {
			doc, err := ps.Export(ctx, a, in.ID, in.Format)
			if err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				name := "customer-" + strconv.FormatInt(in.ID, 10)
				hc.SetHeader("Cache-Control", "no-store")
				var err error
				if in.Format == privacy.FormatCSV {
					hc.SetHeader("Content-Type", "application/zip")
					hc.SetHeader("Content-Disposition", `attachment; filename="`+name+`.zip"`)
					hc.SetStatus(http.StatusOK)
					err = doc.WriteCSVZip(hc.BodyWriter())
				} else {
					hc.SetHeader("Content-Type", "application/json")
					hc.SetHeader("Content-Disposition", `attachment; filename="`+name+`.json"`)
					hc.SetStatus(http.StatusOK)
					err = doc.WriteJSON(hc.BodyWriter())
				}
				if err != nil && h.app.Log != nil {
					h.app.Log.WarnContext(hc.Context(), "privacy export", "customer", in.ID, "err", err)
				}
			}}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/erase", ID: "erase-customer", Perm: perm},
		"Erase (anonymise) a customer across every table; refused (409) under a legal hold",
		func(ctx context.Context, a guanxi.Actor, in *struct {
			ID   guanxi.ID `path:"id"`
			Body EraseIn
		}) (*struct{}, error) {
			return &struct{}{}, ps.Erase(ctx, a, in.ID, in.Body.Reason, in.Body.Confirm)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/legal-holds", ID: "list-legal-holds", Perm: perm},
		"A customer's legal holds, newest first", func(ctx context.Context, a guanxi.Actor, in *idPath) (*many[LegalHoldIO], error) {
			list, err := ps.Holds(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &many[LegalHoldIO]{Body: []LegalHoldIO{}}
			for _, x := range list {
				out.Body = append(out.Body, holdOut(x))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/legal-holds", ID: "create-legal-hold", Perm: perm},
		"Put a customer on legal hold (no erasure until released)", func(ctx context.Context, a guanxi.Actor, in *struct {
			ID   guanxi.ID `path:"id"`
			Body struct {
				Reason string `json:"reason" maxLength:"200"`
			}
		}) (*one[LegalHoldIO], error) {
			x, err := ps.SetHold(ctx, a, in.ID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return &one[LegalHoldIO]{ETag: etag(x.Version), Body: holdOut(x)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/customers/{id}/legal-holds/{hold}", ID: "release-legal-hold", Perm: perm},
		"Release a legal hold (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *holdPath) (*struct{}, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &struct{}{}, ps.ReleaseHold(ctx, a, in.ID, in.HoldID, v)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/erasures", ID: "list-erasures", Perm: perm},
		"Pseudonymous records of erasures, newest first, cursor paging", func(ctx context.Context, a guanxi.Actor, in *erasureListParams) (*struct{ Body Page[ErasureIO] }, error) {
			page, err := ps.Erasures(ctx, a, privacy.ErasureQuery{Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[ErasureIO] }{Body: Page[ErasureIO]{Items: make([]ErasureIO, 0, len(page.Items)), NextCursor: page.NextCursor}}
			for _, e := range page.Items {
				out.Body.Items = append(out.Body.Items, ErasureIO{ID: e.ID, Pseudonym: e.Pseudonym, At: e.At, ByName: e.ByName, Reason: e.Reason})
			}
			return out, nil
		})
}
