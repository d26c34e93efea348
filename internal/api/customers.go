package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// Page is a cursor page; next_cursor is empty on the last page. There is
// no total count: counting a large table on every page is what makes other
// CRMs slow.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type listParams struct {
	Q       string `query:"q" maxLength:"100" doc:"Search box: Chinese name, pinyin, initials, phone digits, ID or customer number"`
	Filter  string `query:"filter" doc:"JSON filter language, e.g. {\"field\":\"stage\",\"op\":\"eq\",\"value\":\"customer\"}"`
	Sort    string `query:"sort" doc:"id, created_at, updated_at, name, number; prefix - for descending (default -id)"`
	Limit   int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 20, at most 200"`
	Cursor  string `query:"cursor"`
	Deleted bool   `query:"deleted" doc:"List the trash (admins)"`
}

type searchBody struct {
	Body struct {
		Q       string          `json:"q,omitempty" maxLength:"100"`
		Filter  json.RawMessage `json:"filter,omitempty"`
		Sort    string          `json:"sort,omitempty"`
		Limit   int             `json:"limit,omitempty" minimum:"0" maximum:"200"`
		Cursor  string          `json:"cursor,omitempty"`
		Deleted bool            `json:"deleted,omitempty"`
	}
}

type customerPage struct{ Body Page[CustomerOut] }

type idPath struct {
	ID guanxi.ID `path:"id" doc:"Customer id"`
}

type customerOne struct {
	ETag string `header:"ETag"`
	Body CustomerOut
}

type customerCreate struct{ Body CustomerIn }

type customerPatch struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match" doc:"The ETag of the version you edited"`
	Body    CustomerPatch
}

type deleteInput struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
}

type noContent struct{}

func (h *Handler) listCustomers(ctx context.Context, a guanxi.Actor, q customer.ListQuery, filter []byte, loc string) (*customerPage, error) {
	if len(filter) > 0 && string(filter) != "null" {
		n, err := segment.Parse(filter)
		if err != nil {
			return nil, relocate(err, loc)
		}
		q.Filter = n
	}
	page, err := h.app.Customers.List(ctx, a, q)
	if err != nil {
		return nil, relocate(err, loc)
	}
	// Every listed customer is in the access log before any leaves (a full
	// or failing log refuses the page: 503).
	ids := make([]guanxi.ID, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.ID
	}
	if err := h.app.Access.Record(a, accesslog.ListVia(q.Q != "" || q.Filter != nil), ids...); err != nil {
		return nil, err
	}
	out := &customerPage{Body: Page[CustomerOut]{Items: make([]CustomerOut, 0, len(page.Items)), NextCursor: page.NextCursor}}
	for _, c := range page.Items {
		out.Body.Items = append(out.Body.Items, customerOut(c))
	}
	return out, nil
}

// relocate prefixes field errors with where they came from (query.filter…).
func relocate(err error, loc string) error {
	e := guanxi.AsError(err)
	if len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]guanxi.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = loc + "." + f.Field
		c.Fields[i] = f
	}
	return &c
}

func (h *Handler) customerRoutes(api humaAPI) {
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers", ID: "list-customers", Perm: guanxi.PermCustomerRead},
		"List and search customers", func(ctx context.Context, a guanxi.Actor, in *listParams) (*customerPage, error) {
			return h.listCustomers(ctx, a, customer.ListQuery{Q: in.Q, Sort: in.Sort, Limit: in.Limit, Cursor: in.Cursor, Deleted: in.Deleted},
				[]byte(in.Filter), "query")
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/search", ID: "search-customers", Perm: guanxi.PermCustomerRead},
		"Search customers with a filter in the body", func(ctx context.Context, a guanxi.Actor, in *searchBody) (*customerPage, error) {
			b := in.Body
			return h.listCustomers(ctx, a, customer.ListQuery{Q: b.Q, Sort: b.Sort, Limit: b.Limit, Cursor: b.Cursor, Deleted: b.Deleted}, b.Filter, "body")
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers", ID: "create-customer", Perm: guanxi.PermCustomerWrite},
		"Create a customer", func(ctx context.Context, a guanxi.Actor, in *customerCreate) (*customerOne, error) {
			c := in.Body.customer()
			if err := h.app.Customers.Create(consent.WithSource(ctx, consent.SourceAPI), a, &c); err != nil {
				return nil, err
			}
			got, err := h.app.Customers.Get(ctx, a, c.ID)
			if err != nil {
				return nil, err
			}
			return &customerOne{ETag: etag(got.Version), Body: customerOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}", ID: "get-customer", Perm: guanxi.PermCustomerRead},
		"Get a customer", func(ctx context.Context, a guanxi.Actor, in *idPath) (*customerOne, error) {
			c, err := h.app.Customers.Get(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			if err := h.app.Access.Record(a, accesslog.APIGet, c.ID); err != nil {
				return nil, err
			}
			return &customerOne{ETag: etag(c.Version), Body: customerOut(c)}, nil
		})
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/customers/{id}", ID: "update-customer", Perm: guanxi.PermCustomerWrite},
		"Update a customer (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *customerPatch) (*customerOne, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			c, err := h.app.Customers.Update(consent.WithSource(ctx, consent.SourceAPI), a, in.ID, v, func(c *customer.Customer) error { in.Body.apply(c); return nil })
			if err != nil {
				return nil, err
			}
			got, err := h.app.Customers.Get(ctx, a, c.ID)
			if err != nil {
				return nil, err
			}
			return &customerOne{ETag: etag(got.Version), Body: customerOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/customers/{id}", ID: "delete-customer", Perm: guanxi.PermCustomerDelete},
		"Move a customer to the trash (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *deleteInput) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, h.app.Customers.Delete(ctx, a, in.ID, v)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/restore", ID: "restore-customer", Perm: guanxi.PermCustomerRestore},
		"Restore a customer from the trash", func(ctx context.Context, a guanxi.Actor, in *idPath) (*customerOne, error) {
			if err := h.app.Customers.Restore(ctx, a, in.ID); err != nil {
				return nil, err
			}
			c, err := h.app.Customers.Get(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			if err := h.app.Access.Record(a, accesslog.APIGet, c.ID); err != nil {
				return nil, err
			}
			return &customerOne{ETag: etag(c.Version), Body: customerOut(c)}, nil
		})
	type transferIn struct {
		Body struct {
			CustomerIDs []guanxi.ID `json:"customer_ids" maxItems:"1000"`
			ToOwnerID   guanxi.ID   `json:"to_owner_id"`
			Reason      string      `json:"reason" maxLength:"500"`
		}
	}
	type transferOut struct {
		Body struct {
			Moved int `json:"moved"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/transfer", ID: "transfer-customers", Perm: guanxi.PermCustomerTransfer},
		"Transfer customers to another owner (客户移交)", func(ctx context.Context, a guanxi.Actor, in *transferIn) (*transferOut, error) {
			n, err := h.app.Customers.Transfer(ctx, a, in.Body.CustomerIDs, in.Body.ToOwnerID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			out := &transferOut{}
			out.Body.Moved = n
			return out, nil
		})
	type revealIn struct {
		ID   guanxi.ID `path:"id"`
		Body struct {
			Field  string    `json:"field" enum:"id_number,mobile,phone,account,contact_mobile,contact_phone"`
			Reason string    `json:"reason" maxLength:"200"`
			SubID  guanxi.ID `json:"sub_id,omitempty" doc:"Holding id for field=account; contact id for contact_mobile and contact_phone"`
		}
	}
	type revealOut struct {
		Body struct {
			Value string `json:"value"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/reveal", ID: "reveal-customer-field", Perm: guanxi.PermCustomerRead},
		"Reveal a masked value (audited, needs a reason)", func(ctx context.Context, a guanxi.Actor, in *revealIn) (*revealOut, error) {
			v, err := h.app.Customers.Reveal(ctx, a, in.ID, customer.RevealField(in.Body.Field), in.Body.SubID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			out := &revealOut{}
			out.Body.Value = v
			return out, nil
		})
	type historyIn struct {
		ID    guanxi.ID `path:"id"`
		Limit int       `query:"limit" minimum:"0" maximum:"200"`
	}
	type historyOut struct {
		Body []AuditEntry
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/history", ID: "customer-history", Perm: guanxi.PermCustomerRead},
		"A customer's history: changes with masked diffs, transfers, reveals", func(ctx context.Context, a guanxi.Actor, in *historyIn) (*historyOut, error) {
			es, err := h.app.Customers.History(ctx, a, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			return &historyOut{Body: auditOut(es)}, nil
		})
	type transfersOut struct {
		Body []TransferOut
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/transfers", ID: "customer-transfers", Perm: guanxi.PermCustomerRead},
		"A customer's owner changes", func(ctx context.Context, a guanxi.Actor, in *idPath) (*transfersOut, error) {
			ts, err := h.app.Customers.Transfers(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &transfersOut{Body: []TransferOut{}}
			for _, t := range ts {
				out.Body = append(out.Body, TransferOut{ID: t.ID, FromOwner: t.FromOwner, FromName: t.FromName,
					ToOwner: t.ToOwner, ToName: t.ToName, Reason: t.Reason, ByName: t.ByName, At: t.At})
			}
			return out, nil
		})
}
