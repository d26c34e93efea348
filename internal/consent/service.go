package consent

import (
	"context"

	"github.com/guanxi-crm/guanxi"
)

// Store is the ledger storage (sqlstore).
type Store interface {
	ConsentEvents(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]Event, State, error)
	RecordConsent(ctx context.Context, a guanxi.Actor, id guanxi.ID, changes []Change, source, note string) ([]Event, error)
}

// Service reads and appends a customer's consent ledger.
type Service struct {
	Store Store
}

// History is the ledger of customer id, newest first, and its state.
func (s *Service) History(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Event, State, error) {
	return s.Store.ConsentEvents(ctx, a, id, 1000)
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
