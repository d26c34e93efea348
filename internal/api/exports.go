package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

// ExportIn asks for an export. Through the API every export is a
// background job: poll it, then download its file.
type ExportIn struct {
	Kind          string          `json:"kind,omitempty" enum:"customers" default:"customers"`
	Format        string          `json:"format,omitempty" enum:"csv,xlsx" default:"xlsx"`
	Q             string          `json:"q,omitempty" maxLength:"100" doc:"The search box of the customer list"`
	Filter        json.RawMessage `json:"filter,omitempty" doc:"The JSON filter language of the customer list"`
	Sort          string          `json:"sort,omitempty"`
	Deleted       bool            `json:"deleted,omitempty" doc:"Export the trash (needs customer.restore)"`
	SavedFilterID guanxi.ID       `json:"saved_filter_id,omitempty" doc:"Narrow by a saved filter"`
	Unmasked      bool            `json:"unmasked,omitempty" doc:"Sensitive fields the caller may reveal go out in clear; needs reason; audited as a bulk reveal"`
	Reason        string          `json:"reason,omitempty" maxLength:"500"`
	Lang          string          `json:"lang,omitempty" enum:"zh-CN,en," doc:"Language of headers and labels (default: the caller's)"`
	Include       []string        `json:"include,omitempty" enum:"holdings,transactions,interactions" doc:"Extra .xlsx sheets of the customers' children"`
}

// ExportOut is an export job.
type ExportOut struct {
	ID         guanxi.ID  `json:"id"`
	UserID     guanxi.ID  `json:"user_id"`
	Kind       string     `json:"kind"`
	Format     string     `json:"format"`
	Status     string     `json:"status" enum:"queued,running,done,failed"`
	Rows       int64      `json:"rows" doc:"Rows written so far; the total once done"`
	Size       int64      `json:"size" doc:"File size in bytes once done"`
	FileName   string     `json:"file_name"`
	Error      string     `json:"error,omitempty" doc:"Message key of a failure"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	FileURL    string     `json:"file_url,omitempty" doc:"Download path once done"`
}

func exportOut(a guanxi.Actor, j bulk.ExportJob) ExportOut {
	out := ExportOut{ID: j.ID, UserID: j.UserID, Kind: j.Kind, Format: string(j.Format), Status: j.Status, Rows: j.Rows,
		Size: j.Size, FileName: j.FileName, Error: j.Error, CreatedAt: j.CreatedAt, StartedAt: j.StartedAt,
		FinishedAt: j.FinishedAt, ExpiresAt: j.ExpiresAt}
	if j.Status == bulk.ExportDone && j.UserID == a.UserID {
		out.FileURL = "/api/v1/exports/" + strconv.FormatInt(j.ID, 10) + "/file"
	}
	return out
}

// SavedFilterIO is a named customer list filter.
type SavedFilterIO struct {
	ID        guanxi.ID       `json:"id,omitempty" readOnly:"true"`
	OwnerID   guanxi.ID       `json:"owner_id,omitempty" readOnly:"true"`
	OwnerName string          `json:"owner_name,omitempty" readOnly:"true"`
	Name      string          `json:"name" maxLength:"100"`
	Shared    bool            `json:"shared,omitempty" doc:"Shared with the owner's org unit"`
	Q         string          `json:"q,omitempty" maxLength:"100"`
	Filter    json.RawMessage `json:"filter,omitempty" doc:"The JSON filter language of the customer list"`
	Sort      string          `json:"sort,omitempty"`
	Version   int64           `json:"version,omitempty" readOnly:"true"`
}

func savedFilterOut(f bulk.SavedFilter) SavedFilterIO {
	out := SavedFilterIO{ID: f.ID, OwnerID: f.OwnerID, OwnerName: f.OwnerName, Name: f.Name, Shared: f.Shared(),
		Q: f.Q, Sort: f.Sort, Version: f.Version}
	if f.Filter != "" {
		out.Filter = json.RawMessage(f.Filter)
	}
	return out
}

func (in SavedFilterIO) filterText() string {
	if len(in.Filter) == 0 || string(in.Filter) == "null" {
		return ""
	}
	return string(in.Filter)
}

type exportIDPath struct {
	ID guanxi.ID `path:"id" doc:"Export id"`
}

type savedFilterPath struct {
	ID guanxi.ID `path:"id" doc:"Saved filter id"`
}

type savedFilterWrite struct {
	ID      guanxi.ID `path:"id" doc:"Saved filter id"`
	IfMatch string    `header:"If-Match"`
	Body    SavedFilterIO
}

type savedFilterDelete struct {
	ID      guanxi.ID `path:"id" doc:"Saved filter id"`
	IfMatch string    `header:"If-Match"`
}

func (h *Handler) exportRoutes(api humaAPI) {
	ex := h.app.Exports
	perm := guanxi.PermExport
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/exports", ID: "create-export", Perm: perm},
		"Export customers (a background job: poll it, then download the file)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body ExportIn }) (*one[ExportOut], error) {
			b := in.Body
			lang := b.Lang
			if lang == "" {
				lang = a.Lang
			}
			j, err := ex.Queue(ctx, a, bulk.ExportRequest{Kind: b.Kind, Format: bulk.Format(b.Format), Q: b.Q, Filter: b.Filter,
				Sort: b.Sort, Deleted: b.Deleted, SavedFilterID: b.SavedFilterID, Unmasked: b.Unmasked, Reason: b.Reason, Lang: lang, Include: b.Include})
			if err != nil {
				return nil, relocate(err, "body")
			}
			return &one[ExportOut]{ETag: etag(j.Version), Body: exportOut(a, *j)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/exports", ID: "list-exports", Perm: perm},
		"The caller's exports, newest first (every export for admins)", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*many[ExportOut], error) {
			list, err := ex.Jobs(ctx, a, 100)
			if err != nil {
				return nil, err
			}
			out := &many[ExportOut]{Body: []ExportOut{}}
			for _, j := range list {
				out.Body = append(out.Body, exportOut(a, j))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/exports/{id}", ID: "get-export", Perm: perm},
		"An export's status and progress", func(ctx context.Context, a guanxi.Actor, in *exportIDPath) (*one[ExportOut], error) {
			j, err := ex.Job(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[ExportOut]{ETag: etag(j.Version), Body: exportOut(a, j)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/exports/{id}/file", ID: "download-export", Perm: perm},
		"Download a finished export (its owner only; audited)", func(ctx context.Context, a guanxi.Actor, in *exportIDPath) (*huma.StreamResponse, error) {
			j, err := ex.Job(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			if j.UserID != a.UserID {
				return nil, guanxi.NotFound("error.not_found") // the owner's file only
			}
			if j.Status != bulk.ExportDone {
				return nil, guanxi.Conflict("export.not_ready", nil)
			}
			if j.ExpiresAt != nil && !j.ExpiresAt.After(h.app.Clock()) {
				return nil, guanxi.NotFound("export.expired")
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				err := ex.Download(hc.Context(), a, in.ID, func(j bulk.ExportJob) (io.Writer, error) {
					hc.SetHeader("Content-Type", j.ContentType())
					hc.SetHeader("Content-Disposition", `attachment; filename="`+j.FileName+`"`)
					hc.SetHeader("Content-Length", strconv.FormatInt(j.Size, 10))
					hc.SetHeader("Cache-Control", "no-store")
					hc.SetStatus(http.StatusOK)
					return hc.BodyWriter(), nil
				})
				if err != nil && h.app.Log != nil {
					h.app.Log.WarnContext(hc.Context(), "export download", "id", in.ID, "err", err)
				}
			}}, nil
		})

	read := guanxi.PermCustomerRead
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/saved-filters", ID: "list-saved-filters", Perm: read},
		"The caller's saved customer filters and those shared with its unit", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*many[SavedFilterIO], error) {
			list, err := ex.SavedFilters(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[SavedFilterIO]{Body: []SavedFilterIO{}}
			for _, f := range list {
				out.Body = append(out.Body, savedFilterOut(f))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/saved-filters", ID: "create-saved-filter", Perm: read},
		"Save a customer filter", func(ctx context.Context, a guanxi.Actor, in *struct{ Body SavedFilterIO }) (*one[SavedFilterIO], error) {
			f := bulk.SavedFilter{Name: in.Body.Name, Q: in.Body.Q, Filter: in.Body.filterText(), Sort: in.Body.Sort}
			if err := ex.CreateSavedFilter(ctx, a, &f, in.Body.Shared); err != nil {
				return nil, relocate(err, "body")
			}
			got, err := ex.SavedFilter(ctx, a, f.ID)
			if err != nil {
				return nil, err
			}
			return &one[SavedFilterIO]{ETag: etag(got.Version), Body: savedFilterOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/saved-filters/{id}", ID: "get-saved-filter", Perm: read},
		"Get a saved filter", func(ctx context.Context, a guanxi.Actor, in *savedFilterPath) (*one[SavedFilterIO], error) {
			f, err := ex.SavedFilter(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[SavedFilterIO]{ETag: etag(f.Version), Body: savedFilterOut(f)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/saved-filters/{id}", ID: "update-saved-filter", Perm: read},
		"Rename, (un)share or replace a saved filter (owner only, If-Match required)", func(ctx context.Context, a guanxi.Actor, in *savedFilterWrite) (*one[SavedFilterIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			b := in.Body
			f, err := ex.UpdateSavedFilter(ctx, a, in.ID, v, func(f *bulk.SavedFilter, shared *bool) error {
				f.Name, f.Q, f.Filter, f.Sort, f.Query, *shared = b.Name, b.Q, b.filterText(), b.Sort, "", b.Shared
				return nil
			})
			if err != nil {
				return nil, relocate(err, "body")
			}
			return &one[SavedFilterIO]{ETag: etag(f.Version), Body: savedFilterOut(f)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/saved-filters/{id}", ID: "delete-saved-filter", Perm: read},
		"Delete a saved filter (owner only, If-Match required)", func(ctx context.Context, a guanxi.Actor, in *savedFilterDelete) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, ex.DeleteSavedFilter(ctx, a, in.ID, v)
		})
}
