package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// PublicComplaintFormIO is what a client needs to show the public form: the
// top-level categories, the callback times and the signed stamp to send
// back with the complaint.
type PublicComplaintFormIO struct {
	Categories   []PublicCategoryIO `json:"categories"`
	ContactTimes []string           `json:"contact_times"`
	Stamp        string             `json:"stamp" doc:"Send back unchanged as stamp; a post sooner than a person could type is dropped"`
}

// PublicCategoryIO is a top-level complaint category.
type PublicCategoryIO struct {
	ID     guanxi.ID `json:"id"`
	NameZh string    `json:"name_zh"`
	NameEn string    `json:"name_en"`
}

// PublicComplaintIn is one complaint from the public form.
type PublicComplaintIn struct {
	Name        string    `json:"name" maxLength:"50"`
	Phone       string    `json:"phone" maxLength:"20" doc:"Mainland mobile number"`
	Hint        string    `json:"hint,omitempty" maxLength:"20" doc:"ID card last 4 or customer number, to confirm a phone match"`
	CategoryID  guanxi.ID `json:"category_id,omitempty"`
	Description string    `json:"description" maxLength:"2000"`
	Demand      string    `json:"demand,omitempty" maxLength:"1000"`
	ContactTime string    `json:"contact_time,omitempty" enum:"any,workday_morning,workday_afternoon,evening,weekend"`
	Consent     bool      `json:"consent" doc:"Consent to processing the personal data given (PIPL); required"`
	Stamp       string    `json:"stamp" doc:"From the form endpoint"`
	Website     string    `json:"website,omitempty" doc:"Leave empty"`
}

// PublicReceiptIO answers a complaint: its number and the status link.
type PublicReceiptIO struct {
	Number    string `json:"number"`
	Token     string `json:"token" doc:"Shown once: the status link's secret"`
	StatusURL string `json:"status_url" doc:"Path of the status page for people"`
}

// PublicComplaintStatusIO is all a status link shows.
type PublicComplaintStatusIO struct {
	Number     string    `json:"number"`
	ReceivedAt time.Time `json:"received_at"`
	Step       string    `json:"step" enum:"received,accepted,in_progress,answered,closed,merged"`
	Result     string    `json:"result,omitempty" doc:"The result fed back to the customer, once there is one"`
}

type publicComplaintIn struct {
	addr string
	Body PublicComplaintIn
}

func (p *publicComplaintIn) Resolve(ctx huma.Context) []error {
	p.addr = hostOf(ctx.RemoteAddr())
	return nil
}

type ticketCustomerIn struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match" doc:"The ETag of the ticket"`
	Body    struct {
		CustomerID guanxi.ID `json:"customer_id"`
	}
}

// complaintRoutes are the public complaint form (no sign-in, rate-limited
// per address) and linking such a complaint to a customer.
func (h *Handler) complaintRoutes(api humaAPI) {
	pc := h.app.PublicComplaints
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/public/complaint-form", ID: "public-complaint-form", Public: true},
		"What the public complaint form offers, with its signed stamp (no sign-in)",
		func(ctx context.Context, _ guanxi.Actor, _ *struct{}) (*struct{ Body PublicComplaintFormIO }, error) {
			cats, err := pc.Categories(ctx)
			if err != nil {
				return nil, err
			}
			stamp, err := pc.Stamp(ctx)
			if err != nil {
				return nil, err
			}
			out := PublicComplaintFormIO{Categories: []PublicCategoryIO{}, ContactTimes: ticket.ContactTimes, Stamp: stamp}
			for _, c := range cats {
				out.Categories = append(out.Categories, PublicCategoryIO{ID: c.ID, NameZh: c.NameZh, NameEn: c.NameEn})
			}
			return &struct{ Body PublicComplaintFormIO }{Body: out}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/public/complaints", ID: "public-complaint-create", Public: true},
		"File a complaint without an account: the number and a status link token (shown once)",
		func(ctx context.Context, _ guanxi.Actor, in *publicComplaintIn) (*struct{ Body PublicReceiptIO }, error) {
			b := in.Body
			rec, err := pc.Submit(ctx, ticket.Submission{Stamp: b.Stamp, Honeypot: b.Website, Addr: in.addr,
				Form: ticket.PublicForm{Name: b.Name, Phone: b.Phone, Hint: b.Hint, CategoryID: b.CategoryID,
					Description: b.Description, Demand: b.Demand, ContactTime: b.ContactTime, Consent: b.Consent}})
			if err != nil {
				return nil, err
			}
			return &struct{ Body PublicReceiptIO }{Body: PublicReceiptIO{Number: rec.Number, Token: rec.Token,
				StatusURL: "/complaint/status/" + rec.Token}}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/public/complaints/{token}", ID: "public-complaint-status", Public: true},
		"Follow a complaint by its status link token (no sign-in)",
		func(ctx context.Context, _ guanxi.Actor, in *publicToken) (*struct{ Body PublicComplaintStatusIO }, error) {
			st, err := pc.Status(ctx, in.Token, in.addr)
			if err != nil {
				return nil, err
			}
			return &struct{ Body PublicComplaintStatusIO }{Body: PublicComplaintStatusIO{Number: st.Number,
				ReceivedAt: st.ReceivedAt, Step: st.Step(), Result: st.Feedback}}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tickets/{id}/customer", ID: "link-ticket-customer", Perm: guanxi.PermTicketWrite},
		"Link a complaint that came without a customer to one (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *ticketCustomerIn) (*ticketOne, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			if err := pc.LinkCustomer(ctx, a, in.ID, v, in.Body.CustomerID); err != nil {
				return nil, err
			}
			return h.ticketOne(ctx, a, in.ID)
		})
}
