package consent

import (
	"context"

	"github.com/guanxi-crm/guanxi"
)

// Store is the ledger storage (sqlstore).
type Store interface {
	// ConsentEvents is one keyset page of customer id's ledger, newest
	// first, with the current state (NotFound when out of a's scope); a
	// cursor it cannot read is Invalid on field cursor.
	ConsentEvents(ctx context.Context, a guanxi.Actor, id guanxi.ID, q EventQuery) (EventPage, State, error)
	RecordConsent(ctx context.Context, a guanxi.Actor, id guanxi.ID, changes []Change, source, note string) ([]Event, error)
}

// Service reads and appends a customer's consent ledger.
type Service struct {
	Store Store
}

// EventQuery selects one page of a customer's ledger. Cursor is the
// NextCursor of the page before ("" for the first).
type EventQuery struct {
	Limit  int
	Cursor string
}

// EventPage is one page of ledger rows; NextCursor is "" on the last page.
type EventPage struct {
	Items      []Event
	NextCursor string
}

// MaxEventLimit caps a page of the ledger; DefaultEventLimit is the page
// without a limit.
const (
	MaxEventLimit     = 200
	DefaultEventLimit = 50
)

// History is one page of the ledger of customer id, newest first, and its
// current state.
func (s *Service) History(ctx context.Context, a guanxi.Actor, id guanxi.ID, q EventQuery) (EventPage, State, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultEventLimit
	}
	q.Limit = min(q.Limit, MaxEventLimit)
	return s.Store.ConsentEvents(ctx, a, id, q)
}

// Record appends the changes (grant or withdraw per purpose and channel).
func (s *Service) Record(ctx context.Context, a guanxi.Actor, id guanxi.ID, changes []Change, source, note string) ([]Event, error) {
	if len(changes) == 0 {
		return nil, guanxi.Invalid(guanxi.Field("purpose", "validation.required"))
	}
	if source == "" {
		source = SourcePage
	}
	return s.Store.RecordConsent(ctx, a, id, changes, source, note)
}

// Cell is one purpose × channel cell of the state grid.
type Cell struct {
	Purpose, Channel, Action string // Action "" = no ledger event
}

// Grid is the state as rows per purpose, columns per channel.
func Grid(st State) [][]Cell {
	out := make([][]Cell, 0, len(Purposes))
	for _, p := range Purposes {
		row := make([]Cell, 0, len(Channels))
		for _, ch := range Channels {
			row = append(row, Cell{Purpose: p, Channel: ch, Action: st[Key{p, ch}]})
		}
		out = append(out, row)
	}
	return out
}
