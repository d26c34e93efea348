package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// DuplicateSideOut is one customer of a pair, masked.
type DuplicateSideOut struct {
	ID           guanxi.ID `json:"id"`
	Number       string    `json:"number"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	Birthday     string    `json:"birthday"`
	IDNumber     string    `json:"id_number" doc:"Masked"`
	Mobile       string    `json:"mobile" doc:"Masked"`
	Phone        string    `json:"phone" doc:"Masked"`
	OwnerID      guanxi.ID `json:"owner_id"`
	OwnerName    string    `json:"owner_name"`
	CreatedAt    time.Time `json:"created_at"`
	Version      int64     `json:"version" doc:"The customer's version, for a merge"`
	Holdings     int64     `json:"holdings"`
	Interactions int64     `json:"interactions"`
	Tickets      int64     `json:"tickets"`
}

func sideOut(p customer.PairSide) DuplicateSideOut {
	p = p.Mask()
	return DuplicateSideOut{ID: p.ID, Number: p.Number, Kind: string(p.Kind), Name: p.Name, Birthday: p.Birthday,
		IDNumber: p.IDNumber, Mobile: p.Mobile, Phone: p.Phone, OwnerID: p.OwnerID, OwnerName: p.OwnerName,
		CreatedAt: p.CreatedAt, Version: p.Version, Holdings: p.Holdings, Interactions: p.Interactions, Tickets: p.Tickets}
}

// DuplicatePairOut is an entry of the review queue, lower customer id first.
type DuplicatePairOut struct {
	ID        guanxi.ID        `json:"id"`
	Reason    string           `json:"reason" enum:"id_number,mobile,phone,name_birthday,phone_name,import"`
	Score     int              `json:"score" doc:"0–100: how many fields agree, weighted"`
	Source    string           `json:"source" enum:"scan,import"`
	ImportID  *guanxi.ID       `json:"import_id,omitempty"`
	Status    string           `json:"status" enum:"open,dismissed,merged"`
	CreatedAt time.Time        `json:"created_at"`
	Version   int64            `json:"version" doc:"Send as If-Match to dismiss"`
	A         DuplicateSideOut `json:"a"`
	B         DuplicateSideOut `json:"b"`
}

func pairOut(p customer.DuplicatePair) DuplicatePairOut {
	return DuplicatePairOut{ID: p.ID, Reason: string(p.Reason), Score: p.Score, Source: p.Source, ImportID: p.ImportID,
		Status: p.Status, CreatedAt: p.CreatedAt, Version: p.Version, A: sideOut(p.A), B: sideOut(p.B)}
}

// DuplicateCandidateOut is a customer that looks like the one asked about.
type DuplicateCandidateOut struct {
	DuplicateSideOut
	Reason     string     `json:"reason"`
	Score      int        `json:"score"`
	PairID     *guanxi.ID `json:"pair_id,omitempty" doc:"The queue entry of the two, if any"`
	PairStatus string     `json:"pair_status,omitempty"`
}

// ScanOut is what a scan did.
type ScanOut struct {
	Candidates int   `json:"candidates" doc:"Pairs meeting a rule"`
	Added      int   `json:"added" doc:"New pairs in the queue"`
	TookMS     int64 `json:"took_ms"`
}

// MergeIn is a merge into the customer of the path (the survivor).
type MergeIn struct {
	OtherID      guanxi.ID         `json:"other_id" doc:"The customer merged into this one and deleted"`
	Version      int64             `json:"survivor_version" doc:"The survivor's version you saw"`
	OtherVersion int64             `json:"other_version" doc:"The other customer's version you saw"`
	Chosen       map[string]string `json:"chosen,omitempty" doc:"Per differing field (name, mobile, address, custom.<key>…): survivor or merged; missing fields keep the survivor's value, or the other's when the survivor has none. Tags and consent are always the union."`
}

type duplicateListIn struct {
	Reason string `query:"reason" enum:"id_number,mobile,phone,name_birthday,phone_name,import,"`
	Status string `query:"status" enum:"open,dismissed," doc:"Default open"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200"`
	Cursor string `query:"cursor"`
}

type mergeWrite struct {
	ID   guanxi.ID `path:"id" doc:"The surviving customer"`
	Body MergeIn
}

func (h *Handler) duplicateRoutes(api humaAPI) {
	cs := h.app.Customers
	merge := guanxi.PermCustomerMerge
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/duplicates", ID: "list-duplicates", Perm: merge},
		"Likely duplicate customers in the caller's scope, strongest first", func(ctx context.Context, a guanxi.Actor, in *duplicateListIn) (*struct{ Body Page[DuplicatePairOut] }, error) {
			page, err := cs.Duplicates(ctx, a, customer.DuplicateQuery{Reason: customer.DupReason(in.Reason), Status: in.Status,
				Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			ids := make([]guanxi.ID, 0, 2*len(page.Items))
			for _, p := range page.Items {
				ids = append(ids, p.A.ID, p.B.ID)
			}
			if err := h.app.Access.Record(a, accesslog.List, ids...); err != nil {
				return nil, err
			}
			out := &struct{ Body Page[DuplicatePairOut] }{Body: Page[DuplicatePairOut]{Items: []DuplicatePairOut{}, NextCursor: page.NextCursor}}
			for _, p := range page.Items {
				out.Body.Items = append(out.Body.Items, pairOut(p))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/duplicates/scan", ID: "scan-duplicates", Perm: merge},
		"Scan the whole archive for duplicates (audited); known pairs keep their status", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*struct{ Body ScanOut }, error) {
			r, err := cs.ScanDuplicates(ctx, a)
			if err != nil {
				return nil, err
			}
			return &struct{ Body ScanOut }{Body: ScanOut{Candidates: r.Candidates, Added: r.Added, TookMS: r.Took.Milliseconds()}}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/duplicates/{id}/dismiss", ID: "dismiss-duplicate", Perm: merge},
		"Mark a pair as not a duplicate (If-Match required); a rescan keeps it so", func(ctx context.Context, a guanxi.Actor, in *deleteInput) (*one[DuplicatePairOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			if err := cs.DismissDuplicate(ctx, a, in.ID, v); err != nil {
				return nil, err
			}
			p, err := cs.Duplicate(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[DuplicatePairOut]{ETag: etag(p.Version), Body: pairOut(p)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/duplicates", ID: "customer-duplicates", Perm: merge},
		"Customers in the caller's scope that look like this one (the scan's rules, computed now)", func(ctx context.Context, a guanxi.Actor, in *idPath) (*many[DuplicateCandidateOut], error) {
			list, err := cs.DuplicateCandidates(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			ids := make([]guanxi.ID, 0, len(list))
			for _, c := range list {
				ids = append(ids, c.ID)
			}
			if err := h.app.Access.Record(a, accesslog.List, ids...); err != nil {
				return nil, err
			}
			out := &many[DuplicateCandidateOut]{Body: []DuplicateCandidateOut{}}
			for _, c := range list {
				out.Body = append(out.Body, DuplicateCandidateOut{DuplicateSideOut: sideOut(c.PairSide), Reason: string(c.Reason),
					Score: c.Score, PairID: c.PairID, PairStatus: c.PairStatus})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/merge", ID: "merge-customers", Perm: merge},
		"Merge another customer into this one: every record moves here, the other is deleted; returns the survivor",
		func(ctx context.Context, a guanxi.Actor, in *mergeWrite) (*customerOne, error) {
			chosen := make(map[string]customer.Side, len(in.Body.Chosen))
			for k, v := range in.Body.Chosen {
				chosen[k] = customer.Side(v)
			}
			c, err := cs.Merge(ctx, a, customer.MergeRequest{SurvivorID: in.ID, SurvivorVersion: in.Body.Version,
				MergedID: in.Body.OtherID, MergedVersion: in.Body.OtherVersion, Chosen: chosen})
			if err != nil {
				return nil, relocate(err, "body")
			}
			return &customerOne{ETag: etag(c.Version), Body: customerOut(c)}, nil
		})
}
