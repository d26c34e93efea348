package bulk

import (
	"context"
	"errors"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Store is what the importer needs from storage. Every import is visible to
// the user who uploaded it and to admins; to anyone else it is NotFound.
// Methods that take a lease owner fail with ErrLeaseLost when another
// runner holds the import, so two instances never write one import.
type Store interface {
	FieldDefs(ctx context.Context) ([]customer.FieldDef, error)
	// ImportActor is the importing user as an actor (its scope applies).
	ImportActor(ctx context.Context, userID guanxi.ID) (guanxi.Actor, error)
	// ResolveOwner finds an active user by username or display name that
	// a may assign customers to; NotFound otherwise.
	ResolveOwner(ctx context.Context, a guanxi.Actor, ref string) (guanxi.ID, error)
	// ResolveOwnerID checks that user id is active and a may assign to it.
	ResolveOwnerID(ctx context.Context, a guanxi.Actor, id guanxi.ID) (guanxi.ID, error)

	// CreateImport stores im (status uploaded), its header and the file,
	// whose chunks next returns until io.EOF, in one transaction.
	CreateImport(ctx context.Context, a guanxi.Actor, im *Import, header []string, next func() ([]byte, error)) error
	ImportChunk(ctx context.Context, id guanxi.ID, n int) ([]byte, error)
	GetImport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, ImportMeta, error)
	ListImports(ctx context.Context, a guanxi.Actor, limit int, before guanxi.ID) ([]Import, error)
	// QueueImport moves an uploaded import at version to queued with o.
	QueueImport(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, o Options) (Import, error)
	// CancelImport cancels a queued import at once (audited) or asks the
	// runner of a running one to roll back (phase rollback).
	CancelImport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error)
	// RequestUndo moves a done import to phase undo under owner's lease.
	RequestUndo(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, until time.Time) (Import, error)

	// ClaimImport takes the lease of import id (0: the oldest claimable)
	// when it is queued, or has a pending phase and an expired lease.
	ClaimImport(ctx context.Context, id guanxi.ID, owner string, now, until time.Time) (Import, ImportMeta, bool, error)
	// RenewImport extends the lease (and records pass-1 rows read).
	RenewImport(ctx context.Context, id guanxi.ID, owner string, until time.Time, rowsRead int64) error
	// ResetProblems removes the rows pass 1 stored (a restarted pass 1).
	ResetProblems(ctx context.Context, id guanxi.ID, owner string) error
	AddProblems(ctx context.Context, id guanxi.ID, owner string, kind string, rows []ProblemRow) error
	// Validated ends pass 1: totals, then phase write, or failed.
	Validated(ctx context.Context, id guanxi.ID, owner string, total, bad, skipped int64, errorKey string, until time.Time) error
	// WriteBatch runs fn in one transaction under the lease (phase write).
	WriteBatch(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, until time.Time, fn func(ImportTx) error) error
	// Finish ends the write pass (status done), audited with the counts.
	Finish(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string) (Import, error)
	// Rollback moves import id to phase rollback (a failure in abort mode
	// after batches were committed), remembering errorKey.
	Rollback(ctx context.Context, id guanxi.ID, owner string, errorKey string) error
	// RevertBatch reverses up to limit recorded changes, newest first, in
	// one transaction; it reports whether any were left.
	RevertBatch(ctx context.Context, id guanxi.ID, owner string, until time.Time, limit int) (more bool, err error)
	// Reverted ends a rollback or undo: status cancelled, failed or undone,
	// audited.
	Reverted(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, status Status) (Import, error)
	// FailImport stops an import with an error (nothing was written).
	FailImport(ctx context.Context, id guanxi.ID, owner string, errorKey string) error

	// ImportProblems returns bad and skipped rows after line, in line order.
	ImportProblems(ctx context.Context, a guanxi.Actor, id guanxi.ID, afterLine, limit int) ([]ProblemRow, error)

	ImportTemplates(ctx context.Context, a guanxi.Actor, e Entity) ([]Template, error)
	SaveImportTemplate(ctx context.Context, a guanxi.Actor, t *Template) error
	DeleteImportTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error
}

// ImportMeta is the part of an import's row the runner and the status
// page need beyond Import.
type ImportMeta struct {
	Header []string
	// Phase is the pass a queued or running import is in (validate,
	// write), or the reversal under way (rollback, undo); "" otherwise.
	Phase    string
	LastLine int
	// Removed, Restored and Kept count what an undo or cancel reversed:
	// created rows removed, updated customers restored, and rows kept
	// because someone changed them since.
	Removed, Restored, Kept int64
}

// Phases of an import.
const (
	PhaseValidate = "validate"
	PhaseWrite    = "write"
	PhaseRollback = "rollback"
	PhaseUndo     = "undo"
)

// Problem row kinds in the store.
const (
	ProblemError     = "error"
	ProblemDuplicate = "duplicate"
)

// ErrLeaseLost is returned when another runner took over an import (or it
// was cancelled): the caller stops without writing more.
var ErrLeaseLost = errors.New("bulk: import lease lost")

// ImportTx is one batch's transaction: what pass 2 reads and writes.
type ImportTx interface {
	// Existing returns the customers (live or deleted) whose key column k
	// holds one of keys, or whose mobile or ID number is one of mobiles or
	// idNumbers; InScope says whether the importing user may see them.
	Existing(ctx context.Context, k Key, keys, mobiles, idNumbers []string) ([]Existing, error)
	// CreateCustomers inserts the customers with new ids and numbers (set
	// on each), their tags, search tokens and holdings, and records each in
	// import_changes.
	CreateCustomers(ctx context.Context, cs []*NewCustomer) error
	// UpdateCustomer writes c over before when before's version is still
	// current (false otherwise), rewriting tags and tokens, with the
	// before-image in import_changes and an audit row.
	UpdateCustomer(ctx context.Context, c *customer.Customer, before customer.Customer) (bool, error)
	// CreateChildren inserts contacts, holdings, transactions or
	// interactions with new ids, recorded in import_changes.
	CreateChildren(ctx context.Context, cs []Child) error
	// Review queues the pair for merge review.
	Review(ctx context.Context, existing, created guanxi.ID) error
	// Problems stores rows found bad in this batch.
	Problems(ctx context.Context, kind string, rows []ProblemRow) error
	// Progress records the batch's counts (totals so far) and last line.
	Progress(ctx context.Context, p Progress) error
}

// Existing is a customer found by an import's keys.
type Existing struct {
	Customer customer.Customer
	InScope  bool
	Deleted  bool
}

// NewCustomer is a customer an import creates.
type NewCustomer struct {
	Customer customer.Customer
	// Tokens are the search tokens without the customer number (added
	// once the number is allocated).
	Tokens  []string
	Holding *customer.Holding
}

// Child is one contact, holding, transaction or interaction to create.
type Child struct {
	CustomerID  guanxi.ID
	Contact     *customer.Contact
	Holding     *customer.Holding
	Transaction *customer.Transaction
	Interaction *customer.Interaction
}

// Progress is an import's counts after a batch.
type Progress struct {
	RowsDone, Created, Updated, Skipped, Bad, Review int64
	LastLine                                         int
	// Start marks the first batch (audited as the start of writing).
	Start bool
}
