package bulk

// Temporary: the importer's public API, which the web and API surfaces code
// against while the engine is written. The engine replaces this file.

import (
	"context"
	"io"

	"github.com/guanxi-crm/guanxi"
)

// Importer runs imports.
type Importer struct{}

// Upload stores a file as a new import (status uploaded) and sniffs it.
func (s *Importer) Upload(ctx context.Context, a guanxi.Actor, name string, r io.Reader) (Import, error) {
	return Import{}, errTODO
}

// Preview maps (o.Mapping, or AutoMap/template when empty) and converts the
// first rows of an uploaded import without writing anything.
func (s *Importer) Preview(ctx context.Context, a guanxi.Actor, id guanxi.ID, o Options, templateID guanxi.ID) (Preview, error) {
	return Preview{}, errTODO
}

// Start queues an uploaded import with its options (version-checked).
func (s *Importer) Start(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, o Options) (Import, error) {
	return Import{}, errTODO
}

// Get returns one import the caller may see (their own; admins all).
func (s *Importer) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	return Import{}, errTODO
}

// List returns imports newest first.
func (s *Importer) List(ctx context.Context, a guanxi.Actor, limit int, before guanxi.ID) ([]Import, error) {
	return nil, errTODO
}

// Problems returns the bad rows of an import, in line order.
func (s *Importer) Problems(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]ProblemRow, []string, error) {
	return nil, nil, errTODO
}

// Report writes the full error report ("csv" or "xlsx").
func (s *Importer) Report(ctx context.Context, a guanxi.Actor, id guanxi.ID, format Format, w io.Writer, t Translate) error {
	return errTODO
}

// Cancel stops a queued or running import and rolls back what it wrote.
func (s *Importer) Cancel(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	return Import{}, errTODO
}

// Undo reverses a finished import (admin, audited).
func (s *Importer) Undo(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	return Import{}, errTODO
}

// Templates lists saved mappings of an entity.
func (s *Importer) Templates(ctx context.Context, a guanxi.Actor, e Entity) ([]Template, error) {
	return nil, errTODO
}

// SaveTemplate creates or (with t.ID and t.Version) updates a mapping template.
func (s *Importer) SaveTemplate(ctx context.Context, a guanxi.Actor, t *Template) error {
	return errTODO
}

// DeleteTemplate removes a mapping template.
func (s *Importer) DeleteTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return errTODO
}
