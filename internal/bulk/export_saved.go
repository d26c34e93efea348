package bulk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// SavedFilter is a named customer list filter: personal, or shared with
// its owner's org unit. Query is the list page's query string (to reopen
// the page with its panel filled); Q, Filter (JSON) and Sort are the same
// filter for the API, the CLI and exports.
type SavedFilter struct {
	ID        guanxi.ID  `db:"id"`
	OwnerID   guanxi.ID  `db:"owner_id"`
	OwnerName string     `db:"owner_name"`
	OrgUnitID *guanxi.ID `db:"org_unit_id"` // set when shared with that unit
	Name      string     `db:"name"`
	Query     string     `db:"query"`
	Q         string     `db:"q"`
	Filter    string     `db:"filter"`
	Sort      string     `db:"sort"`
	Version   int64      `db:"version"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
}

// Shared reports whether the filter is shared with a unit.
func (f SavedFilter) Shared() bool { return f.OrgUnitID != nil }

// ListQuery is the filter as a customer list query.
func (f SavedFilter) ListQuery() (customer.ListQuery, error) {
	n, err := segment.Parse([]byte(f.Filter))
	if err != nil {
		return customer.ListQuery{}, err
	}
	return customer.ListQuery{Q: f.Q, Filter: n, Sort: f.Sort}, nil
}

// Apply narrows q by the filter: its search words join q's, its filter is
// ANDed with q's, its sort applies when q has none.
func (f SavedFilter) Apply(q *customer.ListQuery) error {
	sq, err := f.ListQuery()
	if err != nil {
		return err
	}
	q.Q = joinQ(sq.Q, q.Q)
	q.Sort = firstOf(q.Sort, sq.Sort)
	q.Filter = andNodes(sq.Filter, q.Filter)
	return nil
}

// SavedFilterStore keeps saved filters; reads return the actor's own and
// those shared with its unit, anything else is NotFound.
type SavedFilterStore interface {
	SavedFilters(ctx context.Context, a guanxi.Actor) ([]SavedFilter, error)
	SavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID) (SavedFilter, error)
	CreateSavedFilter(ctx context.Context, a guanxi.Actor, f *SavedFilter) error
	UpdateSavedFilter(ctx context.Context, a guanxi.Actor, f *SavedFilter, version int64) error
	DeleteSavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error
}

func checkSavedFilter(f *SavedFilter) error {
	f.Name = strings.TrimSpace(f.Name)
	f.Q = strings.TrimSpace(f.Q)
	var fs guanxi.Fields
	if f.Name == "" {
		fs.Add("name", "validation.required")
	} else if utf8.RuneCountInString(f.Name) > 100 {
		fs.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if utf8.RuneCountInString(f.Q) > 100 {
		fs.Add("q", "validation.too_long", map[string]any{"max": 100})
	}
	if len(f.Query) > 4000 {
		fs.Add("query", "validation.too_long", map[string]any{"max": 4000})
	}
	if s := strings.TrimPrefix(f.Sort, "-"); f.Sort != "" && !hasString(customer.SortFields, s) {
		fs.Add("sort", "validation.enum")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	if strings.TrimSpace(f.Filter) == "" || f.Filter == "null" {
		f.Filter = ""
		return nil
	}
	_, err := segment.Parse([]byte(f.Filter))
	return err
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SavedFilters lists the caller's filters and those shared with its unit.
func (e *Exporter) SavedFilters(ctx context.Context, a guanxi.Actor) ([]SavedFilter, error) {
	if !a.Can(guanxi.PermCustomerRead) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	return e.Store.SavedFilters(ctx, a)
}

// SavedFilter returns one filter the caller may use.
func (e *Exporter) SavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID) (SavedFilter, error) {
	if !a.Can(guanxi.PermCustomerRead) {
		return SavedFilter{}, guanxi.Forbidden("error.forbidden")
	}
	return e.Store.SavedFilter(ctx, a, id)
}

// CreateSavedFilter saves f for the caller; shared puts it in the caller's
// org unit.
func (e *Exporter) CreateSavedFilter(ctx context.Context, a guanxi.Actor, f *SavedFilter, shared bool) error {
	if !a.Can(guanxi.PermCustomerRead) {
		return guanxi.Forbidden("error.forbidden")
	}
	if err := checkSavedFilter(f); err != nil {
		return err
	}
	f.OwnerID, f.OrgUnitID = a.UserID, nil
	if shared {
		if a.OrgUnitID == 0 {
			return guanxi.Invalid(guanxi.Field("shared", "validation.enum"))
		}
		u := a.OrgUnitID
		f.OrgUnitID = &u
	}
	return e.Store.CreateSavedFilter(ctx, a, f)
}

// UpdateSavedFilter renames or (un)shares one of the caller's filters, or
// replaces its filter when edit sets one; only the owner may.
func (e *Exporter) UpdateSavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(f *SavedFilter, shared *bool) error) (SavedFilter, error) {
	f, err := e.SavedFilter(ctx, a, id)
	if err != nil {
		return SavedFilter{}, err
	}
	if f.OwnerID != a.UserID {
		return SavedFilter{}, guanxi.Forbidden("error.forbidden")
	}
	if f.Version != version {
		return SavedFilter{}, guanxi.Stale(f.Version)
	}
	shared := f.Shared()
	if err := edit(&f, &shared); err != nil {
		return SavedFilter{}, err
	}
	if err := checkSavedFilter(&f); err != nil {
		return SavedFilter{}, err
	}
	f.OrgUnitID = nil
	if shared {
		u := a.OrgUnitID
		f.OrgUnitID = &u
	}
	if err := e.Store.UpdateSavedFilter(ctx, a, &f, version); err != nil {
		return SavedFilter{}, err
	}
	return f, nil
}

// DeleteSavedFilter removes one of the caller's filters.
func (e *Exporter) DeleteSavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	f, err := e.SavedFilter(ctx, a, id)
	if err != nil {
		return err
	}
	if f.OwnerID != a.UserID {
		return guanxi.Forbidden("error.forbidden")
	}
	return e.Store.DeleteSavedFilter(ctx, a, id, version)
}
