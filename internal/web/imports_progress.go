package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

// The progress page: a fragment polled every second by htmx while the
// import is queued or running; once the status is final the fragment comes
// back without its trigger, so polling stops, and it shows the summary,
// the first problems, the reports and undo.

const importProgressIssues = 100

type importProgressView struct {
	Base
	Im       bulk.Import
	Meta     bulk.ImportMeta
	Final    bool
	Known    bool // the row total is known, so the bar has a value
	Percent  int
	Rate     string
	Left     string
	Problems []importProblem
	Header   []string
}

// importFinal reports whether status s no longer changes by itself.
func importFinal(s bulk.Status) bool {
	switch s {
	case bulk.StatusDone, bulk.StatusFailed, bulk.StatusCancelled, bulk.StatusUndone:
		return true
	}
	return false
}

// CanCancel, CanUndo: the actions the page offers now.
func (v *importProgressView) CanCancel() bool {
	return v.Im.Status == bulk.StatusQueued || v.Im.Status == bulk.StatusRunning
}
func (v *importProgressView) CanUndo() bool {
	return v.Im.Status == bulk.StatusDone && v.Can(string(guanxi.PermImportUndo))
}

// FieldLabel labels a field of the import's entity (problems name fields).
func (v *importProgressView) FieldLabel(key string) string {
	return importFieldLabel(&v.Base, v.Im.Entity, key, nil)
}

// Entity is the import's entity (the options win: the upload may not know it).
func (v *importProgressView) Entity() bulk.Entity {
	if v.Im.Options.Entity != "" {
		return v.Im.Options.Entity
	}
	return v.Im.Entity
}

// ErrorText is why the import failed, translated.
func (v *importProgressView) ErrorText() string {
	if v.Im.ErrorKey == "" {
		return ""
	}
	return v.T(v.Im.ErrorKey)
}

// Phase names the pass a queued or running import is in ("" when none).
func (v *importProgressView) Phase() string {
	switch v.Meta.Phase {
	case bulk.PhaseValidate:
		return v.T("web.import.phase.validate")
	case bulk.PhaseWrite:
		// Every row is written; a large import is moving its deferred
		// search tokens into the index, and its customers are not found
		// by search until that ends.
		if v.Im.RowsTotal > 0 && v.Im.RowsDone >= v.Im.RowsTotal {
			return v.T("web.import.phase.index")
		}
		return v.T("web.import.phase.write")
	case bulk.PhaseRollback:
		return v.T("web.import.phase.rollback")
	case bulk.PhaseUndo:
		return v.T("web.import.phase.undo")
	}
	return ""
}

// Reverted reports whether an undo or cancel has counts to show.
func (v *importProgressView) Reverted() bool {
	return (v.Im.Status == bulk.StatusUndone || v.Im.Status == bulk.StatusCancelled) &&
		v.Meta.Removed+v.Meta.Restored+v.Meta.Kept > 0
}

func (h *Handler) buildProgressView(r *http.Request, im bulk.Import, meta bulk.ImportMeta) (*importProgressView, error) {
	v := &importProgressView{Base: h.base(r, "web.import.progress_title", "imports"), Im: im, Meta: meta, Final: importFinal(im.Status)}
	now := time.Now()
	if h.app.Clock != nil {
		now = h.app.Clock()
	}
	if im.RowsTotal > 0 {
		v.Known = true
		v.Percent = int(min(im.RowsDone*100/im.RowsTotal, 100))
	}
	if im.Status == bulk.StatusDone {
		v.Known, v.Percent = true, 100
	}
	v.Rate = v.ImportCount(int64(im.Rate(now) + 0.5))
	if left := im.Remaining(now); left > 0 && !v.Final {
		v.Left = importClock(left)
	}
	if v.Final && im.Bad > 0 {
		rows, header, err := h.app.Imports.Problems(r.Context(), actor(r), im.ID, importProgressIssues)
		if err != nil {
			return nil, err
		}
		v.Header = header
		for _, pr := range rows {
			for _, p := range pr.Problems {
				if len(v.Problems) == importProgressIssues {
					break
				}
				line := p.Line
				if line == 0 {
					line = pr.Line
				}
				v.Problems = append(v.Problems, importProblem{Line: line, Column: columnName(p, header, v), Value: p.Value,
					Message: v.T(p.Key, importLabelArgs(p.Args, v.FieldLabel))})
			}
		}
	}
	return v, nil
}

// importClock formats a duration as h:mm:ss or m:ss.
func importClock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func (h *Handler) importProgressPage(w http.ResponseWriter, r *http.Request, im bulk.Import, meta bulk.ImportMeta, fragment bool) error {
	v, err := h.buildProgressView(r, im, meta)
	if err != nil {
		return err
	}
	if fragment {
		return h.renderBlock(w, r, http.StatusOK, "import_progress", "progress", v)
	}
	return h.render(w, r, http.StatusOK, "import_progress", v)
}

// importProgress is the polled fragment.
func (h *Handler) importProgress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, meta, err := h.app.Imports.Status(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	return h.importProgressPage(w, r, im, meta, true)
}

func (h *Handler) importCancel(w http.ResponseWriter, r *http.Request) error {
	return h.importAction(w, r, h.app.Imports.Cancel, "web.import.cancelled")
}

func (h *Handler) importUndo(w http.ResponseWriter, r *http.Request) error {
	return h.importAction(w, r, h.app.Imports.Undo, "web.import.undone")
}

// importAction runs cancel or undo and shows the page again; a refused
// action (wrong status) comes back as the page with the reason.
func (h *Handler) importAction(w http.ResponseWriter, r *http.Request,
	act func(ctx context.Context, a guanxi.Actor, id guanxi.ID) (bulk.Import, error), flash string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := act(r.Context(), actor(r), id); err != nil {
		if !importInputErr(err) {
			return err
		}
		im, meta, gerr := h.app.Imports.Status(r.Context(), actor(r), id)
		if gerr != nil {
			return err
		}
		v, verr := h.buildProgressView(r, im, meta)
		if verr != nil {
			return err
		}
		v.setError(guanxi.AsError(err))
		if isHTMX(r) {
			return h.renderBlock(w, r, http.StatusConflict, "import_progress", "progress", v)
		}
		return h.render(w, r, http.StatusConflict, "import_progress", v)
	}
	h.flash(r.Context(), flash)
	return redirect(w, r, "/imports/"+strconv.FormatInt(id, 10))
}

func (h *Handler) importReportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.importReport(w, r, bulk.FormatCSV, "text/csv; charset=utf-8")
}

func (h *Handler) importReportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.importReport(w, r, bulk.FormatXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
}

// importReport streams the error report; the download headers go out with
// the first byte, so an error before it is still shown as a page.
func (h *Handler) importReport(w http.ResponseWriter, r *http.Request, f bulk.Format, ctype string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	t := func(key string, args map[string]any) string { return b.T(key, args) }
	lw := &importReportWriter{w: w, start: func() {
		importAttachment(w, ctype, fmt.Sprintf("import-%d-errors.%s", id, f))
	}}
	err = h.app.Imports.Report(r.Context(), actor(r), id, f, lw, t)
	if err != nil && !lw.started {
		return err
	}
	if err != nil && h.app.Log != nil {
		h.app.Log.ErrorContext(r.Context(), "import report", "id", id, "err", err)
	}
	return nil
}

// importReportWriter calls start before the first write.
type importReportWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (l *importReportWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}
