package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

// ImportOut is an import job with its progress, for polling.
type ImportOut struct {
	ID          guanxi.ID     `json:"id"`
	Entity      string        `json:"entity"`
	FileName    string        `json:"file_name"`
	FileSize    int64         `json:"file_size"`
	Info        bulk.FileInfo `json:"info"`
	Options     ImportOptions `json:"options"`
	Status      string        `json:"status" enum:"uploaded,queued,running,done,failed,cancelled,undone"`
	Phase       string        `json:"phase,omitempty" doc:"While running: validate, write, rollback (a cancel) or undo"`
	RowsTotal   int64         `json:"rows_total" doc:"Data rows in the file (rows read so far while validating)"`
	RowsDone    int64         `json:"rows_done"`
	Created     int64         `json:"created"`
	Updated     int64         `json:"updated"`
	Skipped     int64         `json:"skipped"`
	Bad         int64         `json:"bad"`
	Review      int64         `json:"review" doc:"Rows created beside a duplicate and queued for merge review"`
	Removed     int64         `json:"removed" doc:"Undo or cancel: created rows removed"`
	Restored    int64         `json:"restored" doc:"Undo or cancel: updated customers restored"`
	Kept        int64         `json:"kept" doc:"Undo or cancel: rows kept because someone changed them since"`
	ErrorKey    string        `json:"error_key,omitempty"`
	Error       string        `json:"error,omitempty" doc:"Why it failed, in the caller's language"`
	Rate        float64       `json:"rate" doc:"Rows per second since it started"`
	SecondsLeft int64         `json:"seconds_left" doc:"Estimated time left (0 when unknown or finished)"`
	CreatedBy   guanxi.ID     `json:"created_by"`
	ByName      string        `json:"by_name"`
	CreatedAt   time.Time     `json:"created_at"`
	StartedAt   *time.Time    `json:"started_at,omitempty"`
	FinishedAt  *time.Time    `json:"finished_at,omitempty"`
	UndoneAt    *time.Time    `json:"undone_at,omitempty"`
	Version     int64         `json:"version"`
}

// ImportOptions are an import's mapping and rules.
type ImportOptions struct {
	Entity      string    `json:"entity,omitempty" enum:"customers,contacts,holdings,transactions,interactions"`
	Mode        string    `json:"mode,omitempty" enum:"create,update,upsert"`
	Key         string    `json:"key,omitempty" enum:"number,id_number,mobile" doc:"Identifies customers in the file and the database"`
	OnError     string    `json:"on_error,omitempty" enum:"abort,skip"`
	OnDuplicate string    `json:"on_duplicate,omitempty" enum:"skip,update,review"`
	Sheet       string    `json:"sheet,omitempty" doc:".xlsx sheet (default the first)"`
	Mapping     []string  `json:"mapping,omitempty" doc:"One field key per file column; empty ignores it; omit to map automatically"`
	Owner       guanxi.ID `json:"owner,omitempty" doc:"Owner of created customers when the file names none (default the importer)"`
	Currency    string    `json:"currency,omitempty"`
}

func (o ImportOptions) options() bulk.Options {
	return bulk.Options{Entity: bulk.Entity(o.Entity), Mode: bulk.Mode(o.Mode), Key: bulk.Key(o.Key),
		OnError: bulk.OnError(o.OnError), OnDuplicate: bulk.OnDuplicate(o.OnDuplicate), Sheet: o.Sheet,
		Mapping: o.Mapping, Owner: o.Owner, Currency: o.Currency}
}

func importOptionsOut(o bulk.Options) ImportOptions {
	return ImportOptions{Entity: string(o.Entity), Mode: string(o.Mode), Key: string(o.Key), OnError: string(o.OnError),
		OnDuplicate: string(o.OnDuplicate), Sheet: o.Sheet, Mapping: o.Mapping, Owner: o.Owner, Currency: o.Currency}
}

func (h *Handler) importOut(ctx context.Context, im bulk.Import, meta bulk.ImportMeta) ImportOut {
	now := h.app.Clock()
	out := ImportOut{ID: im.ID, Entity: string(im.Entity), FileName: im.FileName, FileSize: im.FileSize, Info: im.Info,
		Options: importOptionsOut(im.Options), Status: string(im.Status), Phase: meta.Phase, RowsTotal: im.RowsTotal,
		RowsDone: im.RowsDone, Created: im.Created, Updated: im.Updated, Skipped: im.Skipped, Bad: im.Bad,
		Review: im.Review, Removed: meta.Removed, Restored: meta.Restored, Kept: meta.Kept, ErrorKey: im.ErrorKey,
		Rate: im.Rate(now), SecondsLeft: int64(im.Remaining(now).Seconds()), CreatedBy: im.CreatedBy, ByName: im.ByName,
		CreatedAt: im.CreatedAt, StartedAt: im.StartedAt, FinishedAt: im.FinishedAt, UndoneAt: im.UndoneAt, Version: im.Version}
	if out.Options.Mapping == nil {
		out.Options.Mapping = []string{}
	}
	if im.ErrorKey != "" {
		out.Error = h.app.I18n.T(langOf(ctx, h.app.I18n, ""), im.ErrorKey, nil)
	}
	return out
}

// ImportPreviewOut is the mapping page's data.
type ImportPreviewOut struct {
	Import   ImportOut      `json:"import"`
	Header   []string       `json:"header"`
	Mapping  []string       `json:"mapping"`
	Fields   []bulk.Field   `json:"fields"`
	Rows     []bulk.Row     `json:"rows" doc:"The first rows as read"`
	Problems []ImportIssue  `json:"problems" doc:"Problems of those rows with the current mapping"`
	Ready    bool           `json:"ready" doc:"Whether the mapping and options can start"`
	Errors   []ProblemField `json:"errors,omitempty" doc:"Why not, when not ready"`
}

// ImportIssue is one problem of a row, translated.
type ImportIssue struct {
	Line    int    `json:"line"`
	Column  int    `json:"column" doc:"0-based file column, -1 for the whole row"`
	Header  string `json:"header,omitempty"`
	Field   string `json:"field,omitempty"`
	Key     string `json:"key"`
	Message string `json:"message"`
	Value   string `json:"value,omitempty"`
}

// ImportProblemRow is one bad or skipped row with its original cells.
type ImportProblemRow struct {
	Line     int           `json:"line"`
	Cells    []string      `json:"cells"`
	Problems []ImportIssue `json:"problems"`
}

// ImportProblemsOut is a page of problem rows.
type ImportProblemsOut struct {
	Header    []string           `json:"header"`
	Rows      []ImportProblemRow `json:"rows"`
	NextAfter int                `json:"next_after,omitempty" doc:"Pass as after for the next page (0: last page)"`
}

// ImportTemplateIO is a saved mapping: header text → field key.
type ImportTemplateIO struct {
	ID      guanxi.ID         `json:"id,omitempty" readOnly:"true"`
	Name    string            `json:"name" maxLength:"100"`
	Entity  string            `json:"entity" enum:"customers,contacts,holdings,transactions,interactions"`
	Columns map[string]string `json:"columns"`
	Version int64             `json:"version,omitempty" readOnly:"true"`
}

func (h *Handler) issues(ctx context.Context, ps []bulk.Problem) []ImportIssue {
	lang := langOf(ctx, h.app.I18n, "")
	out := make([]ImportIssue, 0, len(ps))
	for _, p := range ps {
		out = append(out, ImportIssue{Line: p.Line, Column: p.Column, Header: p.Header, Field: p.Field, Key: p.Key,
			Message: h.app.I18n.T(lang, p.Key, p.Args), Value: p.Value})
	}
	return out
}

type importIDPath struct {
	ID guanxi.ID `path:"id" doc:"Import id"`
}

type importOne struct {
	Status int
	ETag   string `header:"ETag"`
	Body   ImportOut
}

func (h *Handler) importOne(ctx context.Context, a guanxi.Actor, id guanxi.ID, status int) (*importOne, error) {
	im, meta, err := h.app.Imports.Status(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return &importOne{Status: status, ETag: etag(im.Version), Body: h.importOut(ctx, im, meta)}, nil
}

type importUploadIn struct {
	Name    string `query:"name" doc:"File name (its extension is a hint only)"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"The .csv or .xlsx file"`
	}]
}

// importRoutes registers imports (M13): upload, preview, start, status
// polling, cancel, undo, problems, the error report and templates.
func (h *Handler) importRoutes(api humaAPI) {
	im := h.app.Imports
	perm := guanxi.PermImport
	r := Route{Method: http.MethodPost, Path: "/api/v1/imports", ID: "upload-import", Perm: perm}
	h.table = append(h.table, r)
	// Registered by hand for its upload limits: the multipart file is
	// spooled to disk by the parser and handed to the importer as is, so
	// the body is never held in memory twice.
	huma.Register(api, huma.Operation{OperationID: r.ID, Method: r.Method, Path: r.Path, Tags: []string{"imports"},
		Summary:  "Upload a .csv (UTF-8, GBK…) or .xlsx file as a new import (multipart field file)",
		Security: []map[string][]string{{"bearer": {}}}, DefaultStatus: http.StatusCreated,
		Errors:          []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge},
		MaxBodyBytes:    bulk.DefaultMaxFileSize + 1<<20,
		BodyReadTimeout: -1,
		Middlewares:     h.auditDenied(r),
	}, func(ctx context.Context, in *importUploadIn) (*importOne, error) {
		a, err := actor(ctx)
		if err == nil && !a.Can(perm) {
			err = guanxi.Forbidden("error.forbidden")
		}
		if err != nil {
			return nil, problemOf(ctx, h.app.I18n, err)
		}
		f := in.RawBody.Data().File
		name := in.Name
		if name == "" {
			name = f.Filename
		}
		up, err := im.Upload(ctx, a, name, f.File)
		if err != nil {
			return nil, problemOf(ctx, h.app.I18n, err)
		}
		out, err := h.importOne(ctx, a, up.ID, http.StatusCreated)
		if err != nil {
			return nil, problemOf(ctx, h.app.I18n, err)
		}
		return out, nil
	})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/imports", ID: "list-imports", Perm: perm},
		"The caller's imports (every import for admins), newest first", func(ctx context.Context, a guanxi.Actor, in *struct {
			Limit  int       `query:"limit" minimum:"0" maximum:"200"`
			Before guanxi.ID `query:"before" doc:"Imports older than this id"`
		}) (*many[ImportOut], error) {
			list, err := im.List(ctx, a, in.Limit, in.Before)
			if err != nil {
				return nil, err
			}
			out := &many[ImportOut]{Body: make([]ImportOut, 0, len(list))}
			for _, x := range list {
				out.Body = append(out.Body, h.importOut(ctx, x, bulk.ImportMeta{}))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/imports/{id}", ID: "get-import", Perm: perm},
		"An import's status, counts, rate and time left (poll it)", func(ctx context.Context, a guanxi.Actor, in *importIDPath) (*importOne, error) {
			return h.importOne(ctx, a, in.ID, http.StatusOK)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/imports/{id}/preview", ID: "preview-import", Perm: perm},
		"Map (given, from a template, or automatically) and convert the first rows; nothing is written",
		func(ctx context.Context, a guanxi.Actor, in *struct {
			ID   guanxi.ID `path:"id"`
			Body struct {
				ImportOptions
				TemplateID guanxi.ID `json:"template_id,omitempty" doc:"Map with this template when mapping is empty"`
			}
		}) (*struct {
			Status int
			Body   ImportPreviewOut
		}, error) {
			p, err := im.Preview(ctx, a, in.ID, in.Body.options(), in.Body.TemplateID)
			if err != nil {
				return nil, err
			}
			_, meta, err := im.Status(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := ImportPreviewOut{Import: h.importOut(ctx, p.Import, meta), Header: p.Header, Mapping: p.Mapping,
				Fields: p.Fields, Rows: p.Rows, Problems: h.issues(ctx, p.Problems), Ready: p.MappingErr == nil}
			if out.Fields == nil {
				out.Fields = []bulk.Field{}
			}
			if p.MappingErr != nil {
				out.Errors = problemOf(ctx, h.app.I18n, p.MappingErr).Errors
				if len(out.Errors) == 0 {
					pr := problemOf(ctx, h.app.I18n, p.MappingErr)
					out.Errors = []ProblemField{{Location: "body.mapping", Key: pr.Key, Message: pr.Title}}
				}
			}
			return &struct {
				Status int
				Body   ImportPreviewOut
			}{Status: http.StatusOK, Body: out}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/imports/{id}/start", ID: "start-import", Perm: perm},
		"Start an uploaded import with its mapping and rules (If-Match or version in the body)",
		func(ctx context.Context, a guanxi.Actor, in *struct {
			ID      guanxi.ID `path:"id"`
			IfMatch string    `header:"If-Match"`
			Body    struct {
				ImportOptions
				Version int64 `json:"version,omitempty" doc:"The version you previewed (instead of If-Match)"`
			}
		}) (*importOne, error) {
			v := in.Body.Version
			if v == 0 {
				var err error
				if v, err = ifMatch(in.IfMatch); err != nil {
					return nil, err
				}
			}
			if _, err := im.Start(ctx, a, in.ID, v, in.Body.options()); err != nil {
				return nil, err
			}
			return h.importOne(ctx, a, in.ID, http.StatusOK)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/imports/{id}/cancel", ID: "cancel-import", Perm: perm},
		"Cancel: a queued import at once, a running one at its next batch (what it wrote is rolled back)",
		func(ctx context.Context, a guanxi.Actor, in *importIDPath) (*importOne, error) {
			if _, err := im.Cancel(ctx, a, in.ID); err != nil {
				return nil, err
			}
			return h.importOne(ctx, a, in.ID, http.StatusOK)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/imports/{id}/undo", ID: "undo-import", Perm: guanxi.PermImportUndo},
		"Undo a finished import: remove what it created, restore what it updated (admin, audited)",
		func(ctx context.Context, a guanxi.Actor, in *importIDPath) (*importOne, error) {
			if _, err := im.Undo(ctx, a, in.ID); err != nil {
				return nil, err
			}
			return h.importOne(ctx, a, in.ID, http.StatusOK)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/imports/{id}/problems", ID: "import-problems", Perm: perm},
		"Bad and skipped rows with their cells and problems, in line order", func(ctx context.Context, a guanxi.Actor, in *struct {
			ID    guanxi.ID `path:"id"`
			After int       `query:"after" minimum:"0" doc:"Rows after this line"`
			Limit int       `query:"limit" minimum:"0" maximum:"1000"`
		}) (*struct{ Body ImportProblemsOut }, error) {
			limit := in.Limit
			if limit == 0 {
				limit = 100
			}
			rows, header, err := im.ProblemsAfter(ctx, a, in.ID, in.After, limit)
			if err != nil {
				return nil, err
			}
			out := ImportProblemsOut{Header: header, Rows: make([]ImportProblemRow, 0, len(rows))}
			if out.Header == nil {
				out.Header = []string{}
			}
			for _, r := range rows {
				cells := r.Cells
				if cells == nil {
					cells = []string{}
				}
				out.Rows = append(out.Rows, ImportProblemRow{Line: r.Line, Cells: cells, Problems: h.issues(ctx, r.Problems)})
			}
			if len(rows) == limit {
				out.NextAfter = rows[len(rows)-1].Line
			}
			return &struct{ Body ImportProblemsOut }{Body: out}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/imports/{id}/report", ID: "import-report", Perm: perm},
		"Download the error report: the bad rows as they were, with the problems", func(ctx context.Context, a guanxi.Actor, in *struct {
			ID     guanxi.ID `path:"id"`
			Format string    `query:"format" enum:"csv,xlsx" default:"csv"`
		}) (*huma.StreamResponse, error) {
			got, _, err := im.Status(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			format := bulk.Format(in.Format)
			if format == "" {
				format = bulk.FormatCSV
			}
			lang := langOf(ctx, h.app.I18n, "")
			t := func(key string, args map[string]any) string { return h.app.I18n.T(lang, key, args) }
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				ct := "text/csv; charset=utf-8"
				if format == bulk.FormatXLSX {
					ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
				}
				hc.SetHeader("Content-Type", ct)
				hc.SetHeader("Content-Disposition", `attachment; filename="import-`+itoa64(int64(got.ID))+`-errors.`+string(format)+`"`)
				hc.SetHeader("Cache-Control", "no-store")
				hc.SetStatus(http.StatusOK)
				if err := im.Report(hc.Context(), a, in.ID, format, hc.BodyWriter(), t); err != nil && h.app.Log != nil {
					h.app.Log.WarnContext(hc.Context(), "import report", "id", in.ID, "err", err)
				}
			}}, nil
		})
	h.importTemplateRoutes(api)
}

func itoa64(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func templateIO(t bulk.Template) ImportTemplateIO {
	cols := t.Columns
	if cols == nil {
		cols = map[string]string{}
	}
	return ImportTemplateIO{ID: t.ID, Name: t.Name, Entity: string(t.Entity), Columns: cols, Version: t.Version}
}

func (h *Handler) importTemplateRoutes(api humaAPI) {
	im := h.app.Imports
	perm := guanxi.PermImport
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/import-templates", ID: "list-import-templates", Perm: perm},
		"Saved column mappings", func(ctx context.Context, a guanxi.Actor, in *struct {
			Entity string `query:"entity" enum:"customers,contacts,holdings,transactions,interactions,"`
		}) (*many[ImportTemplateIO], error) {
			ts, err := im.Templates(ctx, a, bulk.Entity(in.Entity))
			if err != nil {
				return nil, err
			}
			out := &many[ImportTemplateIO]{Body: make([]ImportTemplateIO, 0, len(ts))}
			for _, t := range ts {
				out.Body = append(out.Body, templateIO(t))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/import-templates", ID: "create-import-template", Perm: perm},
		"Save a column mapping under a name (unique per entity)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body ImportTemplateIO }) (*one[ImportTemplateIO], error) {
			t := bulk.Template{Name: in.Body.Name, Entity: bulk.Entity(in.Body.Entity), Columns: in.Body.Columns}
			if err := im.SaveTemplate(ctx, a, &t); err != nil {
				return nil, err
			}
			return &one[ImportTemplateIO]{ETag: etag(t.Version), Body: templateIO(t)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/import-templates/{id}", ID: "update-import-template", Perm: perm},
		"Change a saved mapping (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *struct {
			ID      guanxi.ID `path:"id"`
			IfMatch string    `header:"If-Match"`
			Body    ImportTemplateIO
		}) (*one[ImportTemplateIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			t := bulk.Template{ID: in.ID, Name: in.Body.Name, Entity: bulk.Entity(in.Body.Entity), Columns: in.Body.Columns, Version: v}
			if err := im.SaveTemplate(ctx, a, &t); err != nil {
				return nil, err
			}
			return &one[ImportTemplateIO]{ETag: etag(t.Version), Body: templateIO(t)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/import-templates/{id}", ID: "delete-import-template", Perm: perm},
		"Delete a saved mapping (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *struct {
			ID      guanxi.ID `path:"id"`
			IfMatch string    `header:"If-Match"`
		}) (*struct{}, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &struct{}{}, im.DeleteTemplate(ctx, a, in.ID, v)
		})
}
