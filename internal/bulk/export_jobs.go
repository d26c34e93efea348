package bulk

import (
	"context"
	"io"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

func (e *Exporter) lease() time.Duration {
	if e.Lease > 0 {
		return e.Lease
	}
	return 2 * time.Minute
}

func (e *Exporter) keep() time.Duration {
	if e.Keep > 0 {
		return e.Keep
	}
	return 7 * 24 * time.Hour
}

func (e *Exporter) chunkSize() int {
	if e.ChunkSize > 0 {
		return e.ChunkSize
	}
	return 1 << 20
}

// Jobs lists the caller's exports, newest first (every export for admins).
func (e *Exporter) Jobs(ctx context.Context, a guanxi.Actor, limit int) ([]ExportJob, error) {
	if !a.Can(guanxi.PermExport) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return e.Store.ListExports(ctx, a, limit)
}

// Job returns one of the caller's exports (any, for admins); another
// user's is NotFound.
func (e *Exporter) Job(ctx context.Context, a guanxi.Actor, id guanxi.ID) (ExportJob, error) {
	if !a.Can(guanxi.PermExport) {
		return ExportJob{}, guanxi.Forbidden("error.forbidden")
	}
	return e.Store.GetExport(ctx, a, id)
}

// Download writes a finished export's file to the writer open returns
// and audits the download. Only its owner may download it (admins list
// every job but the data went out under its owner's scope and reason); a
// job not done is a Conflict, an expired one NotFound.
func (e *Exporter) Download(ctx context.Context, a guanxi.Actor, id guanxi.ID, open func(j ExportJob) (io.Writer, error)) error {
	j, err := e.Job(ctx, a, id)
	if err != nil {
		return err
	}
	if j.UserID != a.UserID {
		return guanxi.NotFound("error.not_found")
	}
	if j.Status != ExportDone {
		return guanxi.Conflict("export.not_ready", nil)
	}
	if j.ExpiresAt != nil && !j.ExpiresAt.After(e.now()) {
		return guanxi.NotFound("export.expired")
	}
	if err := e.Store.Audit(ctx, audit.New(a, audit.ActionExport, "export", j.ID,
		map[string]any{"download": true, "kind": j.Kind, "format": j.Format, "rows": j.Rows, "owner_id": j.UserID})); err != nil {
		return err
	}
	w, err := open(j)
	if err != nil {
		return err
	}
	return e.Store.ExportChunks(ctx, j.ID, func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
}

// Run is the periodic runner: it purges expired files, then runs queued
// jobs (and jobs whose instance died: their lease ran out) until none is
// left or ctx ends. Several instances may run it at once: a job is leased
// to one, and a lost lease stops the loser.
func (e *Exporter) Run(ctx context.Context, now time.Time) error {
	t0 := e.now()
	if _, err := e.Store.PurgeExports(ctx, t0, t0.Add(-4*e.keep())); err != nil {
		return err
	}
	for ctx.Err() == nil {
		t := e.now()
		j, ok, err := e.Store.ClaimExport(ctx, t, t.Add(e.lease()), exportAttempts)
		if err != nil || !ok {
			return err
		}
		if err := e.runJob(ctx, j); err != nil {
			if ctx.Err() != nil {
				return nil // shutdown: the lease runs out and another run resumes it
			}
			if guanxi.KindOf(err) == guanxi.KindConflict {
				continue // another instance has the job now
			}
			key := guanxi.AsError(err).Key
			if guanxi.KindOf(err) == guanxi.KindInternal {
				key = "export.failed"
			}
			if ferr := e.Store.FailExport(ctx, j.ID, j.Attempt, key); ferr != nil {
				return ferr
			}
		}
	}
	return nil
}

// runJob writes one job's file into the store, chunk by chunk, as its owner
// (scope and masking are the owner's, checked again now).
func (e *Exporter) runJob(ctx context.Context, j ExportJob) error {
	u, err := e.Store.UserByID(ctx, j.UserID)
	if err != nil {
		return err
	}
	if u.Disabled {
		return guanxi.Forbidden("error.forbidden")
	}
	a := u.Actor("")
	req, err := j.Request()
	if err != nil {
		return guanxi.Internal(err)
	}
	p, err := e.prepare(ctx, a, req)
	if err != nil {
		return err
	}
	cw := &chunkWriter{ctx: ctx, e: e, job: j, buf: make([]byte, 0, e.chunkSize())}
	n, err := e.write(ctx, a, p, cw, e.pages(ctx, a, p.query), func(rows int64) { cw.rows = rows })
	if err != nil {
		return err
	}
	cw.rows = n
	if err := cw.flush(); err != nil {
		return err
	}
	now := e.now()
	exp := now.Add(e.keep())
	j.Rows, j.Size, j.Status, j.FinishedAt, j.ExpiresAt = n, cw.size, ExportDone, &now, &exp
	return e.Store.FinishExport(ctx, j, e.auditEntries(a, p, j.ID, n))
}

// chunkWriter stores the file in pieces, extending the job's lease and
// recording progress with each.
type chunkWriter struct {
	ctx  context.Context
	e    *Exporter
	job  ExportJob
	buf  []byte
	seq  int
	rows int64
	size int64
	err  error
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		room := cap(w.buf) - len(w.buf)
		if room == 0 {
			if err := w.flush(); err != nil {
				return 0, err
			}
			continue
		}
		k := min(room, len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	w.seq++
	err := w.e.Store.AppendExportChunk(w.ctx, w.job.ID, w.job.Attempt, w.seq, w.buf, w.rows, w.e.now().Add(w.e.lease()))
	if err != nil {
		w.err = err
		return err
	}
	w.size += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}
