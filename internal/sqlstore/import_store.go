package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

// importQueries serve imports (M13): jobs, stored files, problems, the
// change record undo reads, and mapping templates.
type importQueries struct {
	ImportColumns       string `q:"import-columns"`
	ImportInsert        string `q:"import-insert"`
	ImportFileInsert    string `q:"import-file-insert"`
	ImportFileChunk     string `q:"import-file-chunk"`
	ImportState         string `q:"import-state"`
	ImportQueue         string `q:"import-queue"`
	ImportClaimable     string `q:"import-claimable"`
	ImportClaim         string `q:"import-claim"`
	ImportRenew         string `q:"import-renew"`
	ImportValidated     string `q:"import-validated"`
	ImportProgress      string `q:"import-progress"`
	ImportFinish        string `q:"import-finish"`
	ImportFail          string `q:"import-fail"`
	ImportRollback      string `q:"import-rollback"`
	ImportCancelWaiting string `q:"import-cancel-waiting"`
	ImportCancelRunning string `q:"import-cancel-running"`
	ImportUndoRequest   string `q:"import-undo-request"`
	ImportRevertLock    string `q:"import-revert-lock"`
	ImportRevertCounts  string `q:"import-revert-counts"`
	ImportReverted      string `q:"import-reverted"`
	ImportChangesPend   string `q:"import-changes-pending"`
	ImportChangeMark    string `q:"import-change-mark"`
	ImportProblemsDel   string `q:"import-problems-delete"`
	ImportProblemsPage  string `q:"import-problems-page"`
	ImportSequenceAdd   string `q:"import-sequence-add"`
	ImportSequenceInit  string `q:"import-sequence-init"`
	ImportOwnerRef      string `q:"import-owner-ref"`
	ImportReview        string `q:"import-review"`
	ImportTemplateList  string `q:"import-template-list"`
	ImportTemplateIns   string `q:"import-template-insert"`
	ImportTemplateUpd   string `q:"import-template-update"`
	ImportTemplateDel   string `q:"import-template-delete"`
	ImportTemplateVer   string `q:"import-template-version"`
	ImportInsCustomers  string `q:"import-insert-customers"`
	ImportInsTags       string `q:"import-insert-tags"`
	ImportInsTokens     string `q:"import-insert-tokens"`
	ImportInsInter      string `q:"import-insert-interactions"`
	ImportInsChanges    string `q:"import-insert-changes"`
	ImportInsProblems   string `q:"import-insert-problems"`
	ImportIDs           string `q:"import-ids"`
	ImportCustomerRefs  string `q:"import-customer-refs"`
	ImportCache         string `q:"import-cache"`
	ImportCacheReset    string `q:"import-cache-reset"`
	ImportExisting      string `q:"import-existing"`
	ImportInsStaged     string `q:"import-insert-staged-tokens"`
	ImportTokensUpTo    string `q:"import-tokens-upto"`
	ImportTokensFlush   string `q:"import-tokens-flush"`
	ImportTokensUnstage string `q:"import-tokens-unstage"`
	ImportTokensDrop    string `q:"import-tokens-drop"`
	ImportTokensDropOne string `q:"import-tokens-drop-one"`
}

// Audit actions and object type of imports.
const (
	auditImportStart  = "import_start"
	auditImportFinish = "import_finish"
	auditImportCancel = "import_cancel"
	auditImportUndo   = "import_undo"
	auditImportFail   = "import_fail"
	importObject      = "import"
)

// ImportChunkSize is the size of one stored piece of an uploaded file.
const ImportChunkSize = 1 << 20

type importRow struct {
	ID         guanxi.ID  `db:"id"`
	Entity     string     `db:"entity"`
	FileName   string     `db:"file_name"`
	FileSize   int64      `db:"file_size"`
	Info       string     `db:"info"`
	Header     string     `db:"header"`
	Options    string     `db:"options"`
	Status     string     `db:"status"`
	Phase      string     `db:"phase"`
	RowsTotal  int64      `db:"rows_total"`
	RowsDone   int64      `db:"rows_done"`
	Created    int64      `db:"created"`
	Updated    int64      `db:"updated"`
	Skipped    int64      `db:"skipped"`
	Bad        int64      `db:"bad"`
	Review     int64      `db:"review"`
	LastLine   int        `db:"last_line"`
	Removed    int64      `db:"removed"`
	Restored   int64      `db:"restored"`
	Kept       int64      `db:"kept"`
	ErrorKey   string     `db:"error_key"`
	CreatedBy  guanxi.ID  `db:"created_by"`
	ByName     string     `db:"by_name"`
	CreatedAt  time.Time  `db:"created_at"`
	StartedAt  *time.Time `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	UndoneAt   *time.Time `db:"undone_at"`
	Version    int64      `db:"version"`
}

func (r importRow) decode() (bulk.Import, bulk.ImportMeta) {
	utcPtr(r.StartedAt)
	utcPtr(r.FinishedAt)
	utcPtr(r.UndoneAt)
	im := bulk.Import{ID: r.ID, Entity: bulk.Entity(r.Entity), FileName: r.FileName, FileSize: r.FileSize,
		Status: bulk.Status(r.Status), RowsTotal: r.RowsTotal, RowsDone: r.RowsDone, Created: r.Created,
		Updated: r.Updated, Skipped: r.Skipped, Bad: r.Bad, Review: r.Review, ErrorKey: r.ErrorKey,
		CreatedBy: r.CreatedBy, ByName: r.ByName, CreatedAt: r.CreatedAt.UTC(), StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, UndoneAt: r.UndoneAt, Version: r.Version}
	_ = json.Unmarshal([]byte(r.Info), &im.Info)
	_ = json.Unmarshal([]byte(r.Options), &im.Options)
	meta := bulk.ImportMeta{Phase: r.Phase, LastLine: r.LastLine, Removed: r.Removed, Restored: r.Restored, Kept: r.Kept}
	_ = json.Unmarshal([]byte(r.Header), &meta.Header)
	return im, meta
}

// importAdmin reports whether a sees every import (admins); others see
// their own.
func importAdmin(a guanxi.Actor) int {
	if a.System || a.Role == guanxi.RoleAdmin {
		return 1
	}
	return 0
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// ImportActor returns the importing user as an actor.
func (s *Store) ImportActor(ctx context.Context, userID guanxi.ID) (guanxi.Actor, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return guanxi.Actor{}, err
	}
	if u.Disabled {
		return guanxi.Actor{}, guanxi.Forbidden("import.job.error.user_disabled")
	}
	return u.Actor("import"), nil
}

// ResolveOwner finds the active user named ref (username first, then a
// unique display name) whom a may give customers to.
func (s *Store) ResolveOwner(ctx context.Context, a guanxi.Actor, ref string) (guanxi.ID, error) {
	ref = strings.TrimSpace(ref)
	var us []struct {
		ID       guanxi.ID `db:"id"`
		Username string    `db:"username"`
		Name     string    `db:"name"`
		Disabled bool      `db:"disabled"`
		Path     string    `db:"path"`
	}
	if err := s.r.SelectContext(ctx, &us, s.q.ImportOwnerRef, strings.ToLower(ref), ref); err != nil {
		return 0, wrap(err)
	}
	pick := -1
	for i, u := range us {
		if u.Username == strings.ToLower(ref) {
			pick = i
			break
		}
	}
	if pick < 0 && len(us) == 1 {
		pick = 0
	}
	if pick < 0 || us[pick].Disabled {
		return 0, guanxi.NotFound("import.job.problem.owner")
	}
	u := us[pick]
	switch a.Scope() {
	case guanxi.ScopeAll:
		return u.ID, nil
	case guanxi.ScopeSubtree:
		if strings.HasPrefix(u.Path, a.OrgPath) {
			return u.ID, nil
		}
	case guanxi.ScopeOwn:
		if u.ID == a.UserID {
			return u.ID, nil
		}
	}
	return 0, guanxi.NotFound("import.job.problem.owner")
}

// ResolveOwnerID checks that user id may own customers a imports.
func (s *Store) ResolveOwnerID(ctx context.Context, a guanxi.Actor, id guanxi.ID) (guanxi.ID, error) {
	err := s.tx(ctx, func(tx *sqlx.Tx) error { return s.checkOwner(ctx, tx, a, id) })
	return id, err
}

// CreateImport stores the import row and its file in one transaction.
func (s *Store) CreateImport(ctx context.Context, a guanxi.Actor, im *bulk.Import, header []string, next func() ([]byte, error)) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		if header == nil {
			header = []string{}
		}
		err := tx.GetContext(ctx, &im.ID, s.q.ImportInsert, string(im.Entity), im.FileName, im.FileSize,
			mustJSON(im.Info), mustJSON(header), mustJSON(im.Options), a.UserID, now)
		if err != nil {
			return wrap(err)
		}
		for n := 0; ; n++ {
			b, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q.ImportFileInsert, im.ID, n, s.keys.SealBytes(b, colImportFile)); err != nil {
				return wrap(err)
			}
		}
		im.Status, im.CreatedBy, im.ByName, im.CreatedAt, im.Version = bulk.StatusUploaded, a.UserID, a.Name, now, 1
		return nil
	})
}

// ImportChunk returns piece n of an import's file.
func (s *Store) ImportChunk(ctx context.Context, id guanxi.ID, n int) ([]byte, error) {
	var b []byte
	if err := s.r.GetContext(ctx, &b, s.q.ImportFileChunk, id, n); err != nil {
		return nil, notFound(err, "error.not_found")
	}
	b, err := s.keys.OpenBytes(b, colImportFile)
	if err != nil {
		return nil, guanxi.Internal(err)
	}
	return b, nil
}

// GetImport returns an import a may see.
func (s *Store) GetImport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (bulk.Import, bulk.ImportMeta, error) {
	return s.getImport(ctx, s.r, a, id)
}

func (s *Store) getImport(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (bulk.Import, bulk.ImportMeta, error) {
	var r importRow
	err := sqlx.GetContext(ctx, q, &r, s.rebind(s.q.ImportColumns+" WHERE i.id = ? AND (? = 1 OR i.created_by = ?)"),
		id, importAdmin(a), a.UserID)
	if err != nil {
		return bulk.Import{}, bulk.ImportMeta{}, notFound(err, "error.not_found")
	}
	im, meta := r.decode()
	return im, meta, nil
}

// ListImports returns a's imports (every import for admins), newest first.
func (s *Store) ListImports(ctx context.Context, a guanxi.Actor, limit int, before guanxi.ID) ([]bulk.Import, error) {
	var rows []importRow
	err := s.r.SelectContext(ctx, &rows, s.rebind(s.q.ImportColumns+
		" WHERE (? = 1 OR i.created_by = ?) AND (? = 0 OR i.id < ?) ORDER BY i.id DESC LIMIT "+strconv.Itoa(limit)),
		importAdmin(a), a.UserID, before, before)
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]bulk.Import, 0, len(rows))
	for _, r := range rows {
		im, _ := r.decode()
		out = append(out, im)
	}
	return out, nil
}

// stateErr explains why a guarded update of import id changed nothing.
func (s *Store) stateErr(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID, version int64) error {
	if _, _, err := s.getImport(ctx, tx, a, id); err != nil {
		return err
	}
	var st struct {
		Version int64  `db:"version"`
		Status  string `db:"status"`
		Phase   string `db:"phase"`
	}
	if err := tx.GetContext(ctx, &st, s.q.ImportState, id); err != nil {
		return notFound(err, "error.not_found")
	}
	if version != 0 && st.Version != version {
		return guanxi.Stale(st.Version)
	}
	return guanxi.Conflict("import.job.error.state", map[string]any{"status": st.Status})
}

// QueueImport starts an uploaded import.
func (s *Store) QueueImport(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, o bulk.Options) (bulk.Import, error) {
	var im bulk.Import
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := s.getImport(ctx, tx, a, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.ImportQueue, string(o.Entity), mustJSON(o), id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return s.stateErr(ctx, tx, a, id, version)
		}
		im, _, err = s.getImport(ctx, tx, a, id)
		return err
	})
	return im, err
}

// CancelImport cancels a waiting import, or asks the runner of a running
// one to roll back what it wrote.
func (s *Store) CancelImport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (bulk.Import, error) {
	var im bulk.Import
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := s.getImport(ctx, tx, a, id); err != nil {
			return err
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.ImportCancelWaiting, now, id)
		if err != nil {
			return wrap(err)
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			if res, err = tx.ExecContext(ctx, s.q.ImportCancelRunning, id); err != nil {
				return wrap(err)
			}
			if n, _ = res.RowsAffected(); n == 0 {
				return s.stateErr(ctx, tx, a, id, 0)
			}
		}
		im, _, err = s.getImport(ctx, tx, a, id)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, auditImportCancel, importObject, id,
			map[string]any{"status": im.Status, "rows_done": im.RowsDone}))
	})
	return im, err
}

// RequestUndo puts a done import into phase undo under owner's lease.
func (s *Store) RequestUndo(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, until time.Time) (bulk.Import, error) {
	var im bulk.Import
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := s.getImport(ctx, tx, a, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.ImportUndoRequest, owner, until.UTC(), id)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return s.stateErr(ctx, tx, a, id, 0)
		}
		im, _, err = s.getImport(ctx, tx, a, id)
		return err
	})
	return im, err
}

// ClaimImport takes the lease of an import that is queued or whose runner
// stopped renewing its lease. The guarded UPDATE is the claim: on
// PostgreSQL a second claimer waits for the first to commit and then finds
// the lease taken, so two instances never run one import.
func (s *Store) ClaimImport(ctx context.Context, id guanxi.ID, owner string, now, until time.Time) (bulk.Import, bulk.ImportMeta, bool, error) {
	now, until = now.UTC(), until.UTC()
	if id == 0 {
		err := s.r.GetContext(ctx, &id, s.q.ImportClaimable, now)
		if errors.Is(err, sql.ErrNoRows) {
			return bulk.Import{}, bulk.ImportMeta{}, false, nil
		}
		if err != nil {
			return bulk.Import{}, bulk.ImportMeta{}, false, wrap(err)
		}
	}
	res, err := s.w.ExecContext(ctx, s.q.ImportClaim, owner, until, now, id, now)
	if err != nil {
		return bulk.Import{}, bulk.ImportMeta{}, false, wrap(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulk.Import{}, bulk.ImportMeta{}, false, nil
	}
	im, meta, err := s.getImport(ctx, s.w, guanxi.SystemActor("import"), id)
	return im, meta, err == nil, err
}

func leaseLost(res sql.Result, err error) error {
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulk.ErrLeaseLost
	}
	return nil
}

// RenewImport extends the lease of a validating import.
func (s *Store) RenewImport(ctx context.Context, id guanxi.ID, owner string, until time.Time, rowsRead int64) error {
	return leaseLost(s.w.ExecContext(ctx, s.q.ImportRenew, until.UTC(), rowsRead, rowsRead, id, owner, bulk.PhaseValidate))
}

// ResetProblems forgets what an interrupted pass 1 stored.
func (s *Store) ResetProblems(ctx context.Context, id guanxi.ID, owner string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := leaseLost(tx.ExecContext(ctx, s.q.ImportRenew, s.nowUTC().Add(time.Minute), 0, 0, id, owner, bulk.PhaseValidate)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q.ImportProblemsDel, id)
		return wrap(err)
	})
}

// AddProblems stores bad rows found by pass 1.
func (s *Store) AddProblems(ctx context.Context, id guanxi.ID, owner string, kind string, rows []bulk.ProblemRow) error {
	t, err := newBulkTable(s.dialect, s.q.ImportInsProblems)
	if err != nil {
		return guanxi.Internal(err)
	}
	return s.importTx(ctx, func(tx *sqlx.Tx, b bulkWriter) error {
		var n int64
		if err := tx.GetContext(ctx, &n, s.rebind("SELECT COUNT(*) FROM imports WHERE id = ? AND lease_owner = ? AND status = 'running'"), id, owner); err != nil {
			return wrap(err)
		}
		if n != 1 {
			return bulk.ErrLeaseLost
		}
		return b.insert(ctx, t, s.problemRows(id, kind, rows))
	})
}

// problemRows are rejected rows with their original cells, sealed: they
// quote the file, ID numbers included.
func (s *Store) problemRows(id guanxi.ID, kind string, rows []bulk.ProblemRow) [][]any {
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		cells := r.Cells
		if cells == nil {
			cells = []string{}
		}
		out = append(out, []any{id, int64(r.Line), kind, s.keys.Seal(mustJSON(cells), colImportCells), mustJSON(r.Problems)})
	}
	return out
}

// Validated ends pass 1.
func (s *Store) Validated(ctx context.Context, id guanxi.ID, owner string, total, bad, skipped int64, errorKey string, until time.Time) error {
	phase, status := bulk.PhaseWrite, bulk.StatusRunning
	var finished any
	if errorKey != "" {
		phase, status, finished = "", bulk.StatusFailed, s.nowUTC()
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		err := leaseLost(tx.ExecContext(ctx, s.q.ImportValidated, total, bad, skipped, phase, string(status), errorKey,
			until.UTC(), finished, id, owner))
		if err != nil || errorKey == "" {
			return err
		}
		im, _, err := s.getImport(ctx, tx, guanxi.SystemActor("import"), id)
		if err != nil {
			return err
		}
		a, err := s.ImportActor(ctx, im.CreatedBy)
		if err != nil {
			a = guanxi.SystemActor("import")
		}
		return s.appendAudit(ctx, tx, audit.New(a, auditImportFail, importObject, id,
			map[string]any{"error": errorKey, "rows": total, "bad": bad}))
	})
}

// FailImport stops an import with errorKey; it wrote nothing.
func (s *Store) FailImport(ctx context.Context, id guanxi.ID, owner string, errorKey string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := leaseLost(tx.ExecContext(ctx, s.q.ImportFail, errorKey, s.nowUTC(), id, owner)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(guanxi.SystemActor("import"), auditImportFail, importObject, id,
			map[string]any{"error": errorKey}))
	})
}

// Finish marks a fully written import done, audited with its counts.
func (s *Store) Finish(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string) (bulk.Import, error) {
	var im bulk.Import
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := leaseLost(tx.ExecContext(ctx, s.q.ImportFinish, s.nowUTC(), id, owner)); err != nil {
			return err
		}
		// The writer's page cache goes back to its default (see import-cache).
		if _, err := tx.ExecContext(ctx, s.q.ImportCacheReset); err != nil {
			return wrap(err)
		}
		var err error
		if im, _, err = s.getImport(ctx, tx, guanxi.SystemActor("import"), id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, auditImportFinish, importObject, id, map[string]any{
			"rows": im.RowsTotal, "created": im.Created, "updated": im.Updated, "skipped": im.Skipped,
			"bad": im.Bad, "review": im.Review}))
	})
	return im, err
}

// Rollback turns a running import into a rollback of what it wrote.
func (s *Store) Rollback(ctx context.Context, id guanxi.ID, owner string, errorKey string) error {
	return leaseLost(s.w.ExecContext(ctx, s.q.ImportRollback, errorKey, id, owner))
}

// Reverted ends a rollback or an undo.
func (s *Store) Reverted(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, status bulk.Status) (bulk.Import, error) {
	var im bulk.Import
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var undone any
		if status == bulk.StatusUndone {
			undone = now
		}
		if err := leaseLost(tx.ExecContext(ctx, s.q.ImportReverted, string(status), now, undone, id, owner)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.ImportCacheReset); err != nil {
			return wrap(err)
		}
		// Search tokens staged for customers the revert removed.
		if _, err := tx.ExecContext(ctx, s.q.ImportTokensDrop, id); err != nil {
			return wrap(err)
		}
		var meta bulk.ImportMeta
		var err error
		if im, meta, err = s.getImport(ctx, tx, guanxi.SystemActor("import"), id); err != nil {
			return err
		}
		action := auditImportCancel
		if status == bulk.StatusUndone {
			action = auditImportUndo
		} else if status == bulk.StatusFailed {
			action = auditImportFail
		}
		return s.appendAudit(ctx, tx, audit.New(a, action, importObject, id, map[string]any{
			"status": status, "removed": meta.Removed, "restored": meta.Restored, "kept": meta.Kept}))
	})
	return im, err
}

// ImportProblems pages the problem rows of an import a may see.
func (s *Store) ImportProblems(ctx context.Context, a guanxi.Actor, id guanxi.ID, afterLine, limit int) ([]bulk.ProblemRow, error) {
	if _, _, err := s.getImport(ctx, s.r, a, id); err != nil {
		return nil, err
	}
	var rows []struct {
		Line     int    `db:"line"`
		Kind     string `db:"kind"`
		Cells    string `db:"cells"`
		Problems string `db:"problems"`
	}
	if err := s.r.SelectContext(ctx, &rows, withLimit(s.q.ImportProblemsPage, limit), id, afterLine); err != nil {
		return nil, wrap(err)
	}
	out := make([]bulk.ProblemRow, 0, len(rows))
	for _, r := range rows {
		p := bulk.ProblemRow{Line: r.Line}
		cells, err := s.keys.Open(r.Cells, colImportCells)
		if err != nil {
			return nil, guanxi.Internal(err)
		}
		if err := json.Unmarshal([]byte(cells), &p.Cells); err != nil {
			return nil, guanxi.Internal(fmt.Errorf("import %d line %d: %w", id, r.Line, err))
		}
		if err := json.Unmarshal([]byte(r.Problems), &p.Problems); err != nil {
			return nil, guanxi.Internal(fmt.Errorf("import %d line %d: %w", id, r.Line, err))
		}
		out = append(out, p)
	}
	return out, nil
}

type importTemplateRow struct {
	ID        guanxi.ID  `db:"id"`
	Name      string     `db:"name"`
	Entity    string     `db:"entity"`
	Mapping   string     `db:"mapping"`
	CreatedBy *guanxi.ID `db:"created_by"`
	CreatedAt time.Time  `db:"created_at"`
	Version   int64      `db:"version"`
}

// ImportTemplates lists the saved mappings of e ("" for all).
func (s *Store) ImportTemplates(ctx context.Context, a guanxi.Actor, e bulk.Entity) ([]bulk.Template, error) {
	var rows []importTemplateRow
	if err := s.r.SelectContext(ctx, &rows, s.q.ImportTemplateList, string(e), string(e)); err != nil {
		return nil, wrap(err)
	}
	out := make([]bulk.Template, 0, len(rows))
	for _, r := range rows {
		t := bulk.Template{ID: r.ID, Name: r.Name, Entity: bulk.Entity(r.Entity), Columns: map[string]string{},
			CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
		if r.CreatedBy != nil {
			t.CreatedBy = *r.CreatedBy
		}
		_ = json.Unmarshal([]byte(r.Mapping), &t.Columns)
		out = append(out, t)
	}
	return out, nil
}

// SaveImportTemplate inserts (ID 0) or updates a template at t.Version.
func (s *Store) SaveImportTemplate(ctx context.Context, a guanxi.Actor, t *bulk.Template) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		cols := t.Columns
		if cols == nil {
			cols = map[string]string{}
		}
		action := audit.ActionCreate
		if t.ID == 0 {
			err := tx.GetContext(ctx, &t.ID, s.q.ImportTemplateIns, t.Name, string(t.Entity), mustJSON(cols), a.UserID, now, now)
			if err != nil {
				return templateConflict(err)
			}
			t.CreatedBy, t.CreatedAt, t.Version = a.UserID, now, 1
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.ImportTemplateUpd, t.Name, string(t.Entity), mustJSON(cols), now, t.ID, t.Version)
			if err != nil {
				return templateConflict(err)
			}
			if err := s.templateStale(ctx, tx, res, t.ID); err != nil {
				return err
			}
			t.Version++
		}
		return s.appendAudit(ctx, tx, audit.New(a, action, "import_template", t.ID, map[string]any{"name": t.Name, "entity": t.Entity}))
	})
}

func templateConflict(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key") {
		return guanxi.Invalid(guanxi.Field("name", "import.job.template_name_taken"))
	}
	return wrap(err)
}

func (s *Store) templateStale(ctx context.Context, tx *sqlx.Tx, res sql.Result, id guanxi.ID) error {
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var v int64
	if err := tx.GetContext(ctx, &v, s.q.ImportTemplateVer, id); err != nil {
		return notFound(err, "error.not_found")
	}
	return guanxi.Stale(v)
}

// DeleteImportTemplate removes a template at version.
func (s *Store) DeleteImportTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.ImportTemplateDel, id, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.templateStale(ctx, tx, res, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "import_template", id, nil))
	})
}
