package web

import (
	"net/http"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/consent"
)

// consentRoutes are the customer's consent page (ledger) and its form.
func (h *Handler) consentRoutes() []route {
	return []route{
		{"GET", "/customers/{id}/consent", guanxi.PermCustomerRead, h.consentPage},
		{"POST", "/customers/{id}/consent", guanxi.PermCustomerWrite, h.consentPost},
	}
}

// consentHistoryPage is how many ledger rows the consent page shows at once.
const consentHistoryPage = 50

// consentView is the state grid purpose × channel, one page of the
// history and the grant/withdraw form.
type consentView struct {
	Base
	CustomerID guanxi.ID
	Name       string
	Grid       [][]consent.Cell
	Events     []consent.Event
	Channels   []string
	Purposes   []string
	CanWrite   bool
	Note       string

	// HistoryNext and HistoryFirst page the history (empty when there is
	// no such page).
	HistoryNext, HistoryFirst string
}

func (h *Handler) consentView(r *http.Request, id guanxi.ID) (*consentView, error) {
	a := actor(r)
	qs := r.URL.Query()
	page, st, err := h.app.Consent.History(r.Context(), a, id, consent.EventQuery{Limit: consentHistoryPage, Cursor: qs.Get("cursor")})
	if err != nil {
		return nil, err
	}
	c, err := h.app.Customers.Get(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	v := &consentView{Base: h.base(r, "consent.title", "customers"), CustomerID: id, Name: c.Name,
		Grid: consent.Grid(st), Events: page.Items, Channels: consent.Channels, Purposes: consent.Purposes,
		CanWrite: a.Can(guanxi.PermCustomerWrite)}
	v.HistoryNext, v.HistoryFirst = pageLinks(r, qs, page.NextCursor, "#consent-history")
	return v, nil
}

func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.consentView(r, id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "consent_customer", v)
}

// consentPost applies one action to the ticked purpose/channel boxes
// (named "pc" with value "purpose:channel").
func (h *Handler) consentPost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return guanxi.Invalid(guanxi.Field("pc", "validation.required"))
	}
	action := r.PostFormValue("action")
	var changes []consent.Change
	for _, pc := range r.PostForm["pc"] {
		for i := 0; i < len(pc); i++ {
			if pc[i] == ':' {
				changes = append(changes, consent.Change{Purpose: pc[:i], Channel: pc[i+1:], Action: action})
				break
			}
		}
	}
	note := r.PostFormValue("note")
	evs, err := h.app.Consent.Record(r.Context(), actor(r), id, changes, consent.SourcePage, note)
	if err != nil {
		v, verr := h.consentView(r, id)
		if verr != nil {
			return verr
		}
		v.Note = note
		return h.formError(w, r, err, "consent_customer", v)
	}
	if len(evs) == 0 {
		h.flash(r.Context(), "consent.unchanged")
	} else {
		h.flash(r.Context(), "web.flash.saved")
	}
	return redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"/consent")
}
