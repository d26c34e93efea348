package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/xlsx"
)

// importRoutes are the import pages (M13): the list, the upload form, the
// mapping and preview page, live progress, the error report and undo.
func (h *Handler) importRoutes() []route {
	imp := guanxi.PermImport
	return []route{
		{"GET", "/imports", imp, h.importList},
		{"GET", "/imports/new", imp, h.importNew},
		{"POST", "/imports", imp, h.importUpload},
		{"GET", "/imports/sample.csv", imp, h.importSampleCSV},
		{"GET", "/imports/sample.xlsx", imp, h.importSampleXLSX},
		{"GET", "/imports/{id}", imp, h.importShow},
		{"POST", "/imports/{id}/preview", imp, h.importPreview},
		{"POST", "/imports/{id}/templates", imp, h.importSaveTemplate},
		{"POST", "/imports/{id}/start", imp, h.importStart},
		{"GET", "/imports/{id}/progress", imp, h.importProgress},
		{"GET", "/imports/{id}/report.csv", imp, h.importReportCSV},
		{"GET", "/imports/{id}/report.xlsx", imp, h.importReportXLSX},
		{"POST", "/imports/{id}/cancel", imp, h.importCancel},
		{"POST", "/imports/{id}/undo", guanxi.PermImportUndo, h.importUndo},
	}
}

// importMaxUpload is the largest file the importer takes (the form says so and
// the browser checks before a long upload).
func (h *Handler) importMaxUpload() int64 {
	if h.app.Imports != nil && h.app.Imports.MaxFileSize > 0 {
		return h.app.Imports.MaxFileSize
	}
	return bulk.DefaultMaxFileSize
}

// importPageSize is the number of imports per list page.
const importPageSize = 20

// ImportEntities lists the importable entities for selects.
func (b *Base) ImportEntities() []string { return stringsOf(bulk.Entities) }

// ImportStatus labels an import status.
func (b *Base) ImportStatus(s bulk.Status) string { return b.T("web.import.status." + string(s)) }

// ImportStatusClass is the badge class of a status.
func (b *Base) ImportStatusClass(s bulk.Status) string {
	switch s {
	case bulk.StatusDone:
		return "ok"
	case bulk.StatusFailed, bulk.StatusCancelled:
		return "bad"
	case bulk.StatusQueued, bulk.StatusRunning:
		return "stage-prospect"
	case bulk.StatusUndone:
		return "stage-lost"
	}
	return ""
}

// EntityLabel labels an importable entity.
func (b *Base) EntityLabel(e any) string { return b.T("web.import.entity." + fmt.Sprint(e)) }

// ImportCount formats a count with thousands separators.
func (b *Base) ImportCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(c)
	}
	return out.String()
}

// ImportSize formats a byte count for people.
func (b *Base) ImportSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

type importListView struct {
	Base
	Items []bulk.Import
	Next  string
	Paged bool
}

// CanUndo reports whether the user may undo im now.
func (v *importListView) CanUndo(im bulk.Import) bool {
	return im.Status == bulk.StatusDone && v.Can(string(guanxi.PermImportUndo))
}

func (h *Handler) importList(w http.ResponseWriter, r *http.Request) error {
	v := &importListView{Base: h.base(r, "web.import.list_title", "imports")}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	v.Paged = before > 0
	items, err := h.app.Imports.List(r.Context(), actor(r), importPageSize+1, before)
	if err != nil {
		return err
	}
	if len(items) > importPageSize {
		items = items[:importPageSize]
		v.Next = "/imports?before=" + strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	v.Items = items
	return h.render(w, r, http.StatusOK, "imports", v)
}

type importNewView struct {
	Base
	Entity  string
	MaxSize string
	MaxByte int64
}

func (h *Handler) newImportView(r *http.Request, entity string) *importNewView {
	if !slices.Contains(bulk.Entities, bulk.Entity(entity)) {
		entity = string(bulk.Customers)
	}
	v := &importNewView{Base: h.base(r, "web.import.new_title", "imports"), Entity: entity, MaxByte: h.importMaxUpload()}
	v.MaxSize = v.ImportSize(v.MaxByte)
	return v
}

func (h *Handler) importNew(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "import_new", h.newImportView(r, r.URL.Query().Get("entity")))
}

// uploadBody remembers that the request body hit its size limit, so the
// upload can say "too large" whatever the importer made of the short read.
type uploadBody struct {
	r       io.Reader
	tooBig  bool
	readErr error
}

func (l *uploadBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			l.tooBig = true
		}
		l.readErr = err
	}
	return n, err
}

// importUpload streams the multipart file straight into the importer (no
// temporary copy in the web layer). The entity field comes before the file
// in the form, so it is known when the file part arrives.
func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) error {
	// The multipart framing and the entity field take a little more than the file.
	r.Body = http.MaxBytesReader(w, r.Body, h.importMaxUpload()+1<<20)
	entity := ""
	fail := func(err error) error {
		v := h.newImportView(r, entity)
		return h.formError(w, r, err, "import_new", v)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(guanxi.Invalid(guanxi.Field("file", "web.import.no_file")))
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fail(guanxi.Invalid(guanxi.Field("file", "web.import.no_file")))
		}
		if err != nil {
			return fail(h.importUploadErr(err))
		}
		switch part.FormName() {
		case "entity":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			entity = strings.TrimSpace(string(b))
		case "file":
			if part.FileName() == "" {
				return fail(guanxi.Invalid(guanxi.Field("file", "web.import.no_file")))
			}
			return h.importUploadPart(w, r, part, entity, fail)
		}
		part.Close()
	}
}

func (h *Handler) importUploadPart(w http.ResponseWriter, r *http.Request, part *multipart.Part, entity string, fail func(error) error) error {
	if !slices.Contains(bulk.Entities, bulk.Entity(entity)) {
		return fail(guanxi.Invalid(guanxi.Field("entity", "validation.enum")))
	}
	body := &uploadBody{r: part}
	im, err := h.app.Imports.Upload(r.Context(), actor(r), part.FileName(), body)
	if body.tooBig {
		return fail(h.importTooLarge())
	}
	if err != nil {
		if body.readErr != nil && guanxi.KindOf(err) == guanxi.KindInternal {
			return fail(h.importUploadErr(body.readErr))
		}
		return fail(err)
	}
	return redirect(w, r, fmt.Sprintf("/imports/%d?entity=%s", im.ID, entity))
}

// importUploadErr explains a broken upload body.
func (h *Handler) importUploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return h.importTooLarge()
	}
	return guanxi.Invalid(guanxi.Field("file", "web.import.upload_failed"))
}

func (h *Handler) importTooLarge() error {
	return guanxi.Invalid(guanxi.FieldError{Field: "file", Key: "web.import.too_large",
		Args: map[string]any{"max": (&Base{}).ImportSize(h.importMaxUpload())}})
}

// importSampleHeader is the header row of the template file for an entity: the
// translated label of each field, required ones first.
func (h *Handler) importSampleHeader(r *http.Request) (bulk.Entity, []string, error) {
	e := bulk.Entity(r.URL.Query().Get("entity"))
	if !slices.Contains(bulk.Entities, e) {
		return "", nil, guanxi.NotFound("error.not_found")
	}
	var defs []customer.FieldDef
	if e == bulk.Customers {
		var err error
		if defs, err = h.fieldDefs(r.Context()); err != nil {
			return "", nil, err
		}
	}
	b := h.base(r, "", "")
	fields := bulk.Fields(e, defs)
	var req, opt []string
	for _, f := range fields {
		l := importFieldLabel(&b, e, f.Key, defs)
		if f.Required {
			req = append(req, l)
		} else {
			opt = append(opt, l)
		}
	}
	return e, append(req, opt...), nil
}

// importFieldLabel is the label of an import field: custom fields carry their own
// labels, the others are message keys (the key itself when untranslated).
func importFieldLabel(b *Base, e bulk.Entity, key string, defs []customer.FieldDef) string {
	if ck, ok := strings.CutPrefix(key, "custom."); ok {
		for _, d := range defs {
			if d.Key == ck {
				return d.Label(b.Lang)
			}
		}
	}
	return b.T("import.field." + string(e) + "." + key)
}

func importAttachment(w http.ResponseWriter, ctype, name string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

func (h *Handler) importSampleCSV(w http.ResponseWriter, r *http.Request) error {
	e, header, err := h.importSampleHeader(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\xEF\xBB\xBF") // Excel reads UTF-8 only with a BOM
	cw := csv.NewWriter(&buf)
	_ = cw.Write(header)
	cw.Flush()
	importAttachment(w, "text/csv; charset=utf-8", "import-"+string(e)+".csv")
	_, err = w.Write(buf.Bytes())
	return err
}

func (h *Handler) importSampleXLSX(w http.ResponseWriter, r *http.Request) error {
	e, header, err := h.importSampleHeader(r)
	if err != nil {
		return err
	}
	b := h.base(r, "", "")
	widths := make([]float64, len(header))
	for i := range widths {
		widths[i] = 16
	}
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, []xlsx.Sheet{{Name: b.EntityLabel(e), Header: header, Widths: widths}}); err != nil {
		return guanxi.Internal(err)
	}
	importAttachment(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "import-"+string(e)+".xlsx")
	_, err = w.Write(buf.Bytes())
	return err
}

// importShow is the mapping page while the import waits for its options,
// and the progress page once it was started.
func (h *Handler) importShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, meta, err := h.app.Imports.Status(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	if im.Status == bulk.StatusUploaded {
		return h.importMappingPage(w, r, im)
	}
	return h.importProgressPage(w, r, im, meta, false)
}
