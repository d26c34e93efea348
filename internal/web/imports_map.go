package web

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/response"
)

// The mapping and preview page: one form holds the options, one select per
// file column and the preview; "check again", a sheet, entity or template
// change re-run the importer's Preview and swap the whole form (htmx keeps
// the focus on the control by its id).

const (
	importPreviewRows   = 20  // converted rows shown
	importPreviewIssues = 100 // problems listed
	importSamples       = 3   // example values per column
	importSampleRunes   = 40
)

// importCol is one file column with its target field.
type importCol struct {
	Index   int
	Header  string
	Samples []string
	Field   string
	Err     string
}

// importFieldOpt is one target field in the column selects.
type importFieldOpt struct {
	Key, Label string
	Required   bool
}

type importPreviewCell struct {
	Value string
	Msg   string // the cell's problems, translated; "" when clean
}

type importPreviewRow struct {
	Line  int
	Cells []importPreviewCell
	Msg   string // problems of the row as a whole
}

// importProblem is one problem as the pages list it.
type importProblem struct {
	Line    int
	Column  string
	Value   string
	Message string
}

type importMapView struct {
	Base
	Im         bulk.Import
	Opt        bulk.Options
	Info       bulk.FileInfo
	Cols       []importCol
	Fields     []importFieldOpt
	Mapped     []importCol // the columns that will be imported, for the preview table
	Templates  []bulk.Template
	TemplateID guanxi.ID
	Owners     []ownerOption
	Rows       []importPreviewRow
	Problems   []importProblem
	MoreIssues int
	MapErrs    []string // mapping errors not tied to one column
	Note       string   // a translated confirmation (template saved)
	defs       []customer.FieldDef
}

// Children reports whether the entity links rows to existing customers
// (no create/update mode, no duplicate rule).
func (v *importMapView) Children() bool { return v.Opt.Entity != bulk.Customers }

// Modes, Keys, OnErrors and OnDuplicates are the option choices.
func (v *importMapView) Modes() []string {
	return []string{string(bulk.ModeCreate), string(bulk.ModeUpdate), string(bulk.ModeUpsert)}
}
func (v *importMapView) Keys() []string {
	return []string{string(bulk.KeyNumber), string(bulk.KeyIDNumber), string(bulk.KeyMobile)}
}
func (v *importMapView) OnErrors() []string {
	return []string{string(bulk.ErrorsSkip), string(bulk.ErrorsAbort)}
}
func (v *importMapView) OnDuplicates() []string {
	return []string{string(bulk.DupSkip), string(bulk.DupUpdate), string(bulk.DupReview)}
}

// FieldLabel labels a target field key.
func (v *importMapView) FieldLabel(key string) string {
	return importFieldLabel(&v.Base, v.Opt.Entity, key, v.defs)
}

// IsXLSX reports whether the file is a workbook (it has sheets to pick).
func (v *importMapView) IsXLSX() bool { return v.Info.Format == bulk.FormatXLSX }

// Delimiter names the CSV delimiter.
func (v *importMapView) Delimiter() string {
	switch v.Info.Delimiter {
	case "\t":
		return v.T("web.import.delim.tab")
	case ",":
		return v.T("web.import.delim.comma")
	case ";":
		return v.T("web.import.delim.semicolon")
	case "|":
		return v.T("web.import.delim.pipe")
	}
	return v.Info.Delimiter
}

// Encoding names the detected CSV encoding.
func (v *importMapView) Encoding() string {
	switch v.Info.Encoding {
	case "utf-8":
		return "UTF-8"
	case "utf-8-bom":
		return "UTF-8 (BOM)"
	case "gb18030", "gbk":
		return "GBK / GB18030"
	}
	return v.Info.Encoding
}

// importMapForm is what the mapping form posts.
type importMapForm struct {
	Opt         bulk.Options
	Version     int64
	TemplateID  guanxi.ID
	CurTemplate guanxi.ID
	Remap       bool // sheet, entity or template changed: propose a new mapping
}

func parseImportMapForm(r *http.Request) importMapForm {
	f := importMapForm{}
	o := &f.Opt
	o.Entity = bulk.Entity(r.PostFormValue("entity"))
	o.Mode = bulk.Mode(r.PostFormValue("mode"))
	o.Key = bulk.Key(r.PostFormValue("key"))
	o.OnError = bulk.OnError(r.PostFormValue("on_error"))
	o.OnDuplicate = bulk.OnDuplicate(r.PostFormValue("on_duplicate"))
	o.Sheet = r.PostFormValue("sheet")
	o.Owner = formID(r, "owner")
	if o.Entity != bulk.Customers {
		o.Mode = bulk.ModeCreate // children are always added to existing customers
	}
	n, _ := strconv.Atoi(r.PostFormValue("cols"))
	n = min(max(n, 0), bulk.DefaultLimits().MaxColumns)
	o.Mapping = make([]string, n)
	for i := range n {
		o.Mapping[i] = r.PostFormValue("map." + strconv.Itoa(i))
	}
	f.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	f.TemplateID = formID(r, "template_id")
	f.CurTemplate = formID(r, "cur_template")
	if string(o.Entity) != r.PostFormValue("cur_entity") {
		f.TemplateID, f.CurTemplate = 0, 0 // templates belong to one entity
	}
	f.Remap = o.Sheet != r.PostFormValue("cur_sheet") || string(o.Entity) != r.PostFormValue("cur_entity") ||
		(f.TemplateID != 0 && f.TemplateID != f.CurTemplate) || r.PostFormValue("remap") != ""
	return f
}

// importDefaults are the options of a fresh mapping page: the entity
// chosen at upload; the importer fills in the rest (the key from the
// columns it finds).
func importDefaults(im bulk.Import, entity string) bulk.Options {
	o := im.Options
	o.Mapping = nil // the importer proposes one
	if slices.Contains(bulk.Entities, bulk.Entity(entity)) {
		o.Entity = bulk.Entity(entity)
	}
	if o.Entity != bulk.Customers && o.Entity != "" {
		o.Mode = bulk.ModeCreate
	}
	return o
}

func (h *Handler) importMappingPage(w http.ResponseWriter, r *http.Request, im bulk.Import) error {
	f := importMapForm{Opt: importDefaults(im, r.URL.Query().Get("entity")), Version: im.Version}
	v, err := h.buildMapView(r, im.ID, f, nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "import_map", v)
}

// buildMapView runs the importer's preview for the form and builds the page;
// shown is an error to show with it (from Start or a template save).
func (h *Handler) buildMapView(r *http.Request, id guanxi.ID, f importMapForm, shown error) (*importMapView, error) {
	ctx, a := r.Context(), actor(r)
	o := f.Opt
	tpl := guanxi.ID(0)
	if f.Remap {
		o.Mapping = nil
		if f.TemplateID != f.CurTemplate {
			tpl = f.TemplateID
		}
	}
	p, err := h.app.Imports.Preview(ctx, a, id, o, tpl)
	if err != nil && o.Sheet != "" && importInputErr(err) {
		// An unknown sheet: show the first one with the error.
		shown, o.Sheet = err, ""
		p, err = h.app.Imports.Preview(ctx, a, id, o, tpl)
	}
	if err != nil {
		return nil, err
	}
	v := &importMapView{Base: h.base(r, "web.import.map_title", "imports"), Im: p.Import, Opt: p.Import.Options, Info: p.Import.Info,
		TemplateID: f.TemplateID, Owners: h.owners(ctx, a)}
	if v.Opt.Entity == "" {
		v.Opt = o
	}
	if v.Opt.Sheet == "" {
		v.Opt.Sheet = v.Info.Sheet
	}
	v.Opt.Mapping = p.Mapping
	if v.Opt.Entity == bulk.Customers {
		if v.defs, err = h.fieldDefs(ctx); err != nil {
			return nil, err
		}
	}
	if v.Templates, err = h.app.Imports.Templates(ctx, a, v.Opt.Entity); err != nil {
		return nil, err
	}
	if tpl != 0 {
		v.TemplateID = tpl
	}
	if !slices.ContainsFunc(v.Templates, func(t bulk.Template) bool { return t.ID == v.TemplateID }) {
		v.TemplateID = 0
	}
	for _, fd := range p.Fields {
		v.Fields = append(v.Fields, importFieldOpt{Key: fd.Key, Label: v.FieldLabel(fd.Key), Required: fd.Required})
	}
	v.fill(p)
	if p.MappingErr != nil {
		v.attach(p.MappingErr)
	}
	if shown != nil {
		v.attach(shown)
	}
	return v, nil
}

func importInputErr(err error) bool {
	switch guanxi.KindOf(err) {
	case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
		return true
	}
	return false
}

// fill builds the columns, the preview rows and the problem list.
func (v *importMapView) fill(p bulk.Preview) {
	v.Cols = make([]importCol, len(p.Header))
	for i, hd := range p.Header {
		c := importCol{Index: i, Header: hd}
		if i < len(p.Mapping) {
			c.Field = p.Mapping[i]
		}
		for _, row := range p.Rows {
			if len(c.Samples) == importSamples {
				break
			}
			if i < len(row.Cells) {
				if s := strings.TrimSpace(row.Cells[i]); s != "" && !slices.Contains(c.Samples, clipSample(s)) {
					c.Samples = append(c.Samples, clipSample(s))
				}
			}
		}
		v.Cols[i] = c
		if c.Field != "" {
			v.Mapped = append(v.Mapped, c)
		}
	}
	type cellKey struct{ line, col int }
	cellMsg := map[cellKey][]string{}
	for _, pr := range p.Problems {
		msg := v.T(pr.Key, importLabelArgs(pr.Args, v.FieldLabel))
		k := cellKey{pr.Line, pr.Column}
		cellMsg[k] = append(cellMsg[k], msg)
		if len(v.Problems) < importPreviewIssues {
			v.Problems = append(v.Problems, importProblem{Line: pr.Line, Column: columnName(pr, p.Header, v), Value: pr.Value, Message: msg})
		} else {
			v.MoreIssues++
		}
	}
	for _, row := range p.Rows[:min(len(p.Rows), importPreviewRows)] {
		pr := importPreviewRow{Line: row.Line, Msg: strings.Join(cellMsg[cellKey{row.Line, -1}], "; ")}
		for _, c := range v.Mapped {
			cell := importPreviewCell{Msg: strings.Join(cellMsg[cellKey{row.Line, c.Index}], "; ")}
			if c.Index < len(row.Cells) {
				cell.Value = row.Cells[c.Index]
			}
			pr.Cells = append(pr.Cells, cell)
		}
		v.Rows = append(v.Rows, pr)
	}
}

// columnName names a problem's column: its header, else the field label.
func columnName(pr bulk.Problem, header []string, v interface{ FieldLabel(string) string }) string {
	switch {
	case pr.Header != "":
		return pr.Header
	case pr.Column >= 0 && pr.Column < len(header):
		return header[pr.Column]
	case pr.Field != "":
		return v.FieldLabel(pr.Field)
	}
	return ""
}

// importLabelArgs shows a field key named in message arguments ("field") as the
// field's label in the page language.
func importLabelArgs(args map[string]any, label func(string) string) map[string]any {
	k, ok := args["field"].(string)
	if !ok || k == "" {
		return args
	}
	out := maps.Clone(args)
	out["field"] = label(k)
	return out
}

func clipSample(s string) string {
	if utf8.RuneCountInString(s) <= importSampleRunes {
		return s
	}
	r := []rune(s)
	return string(r[:importSampleRunes]) + "…"
}

// importColFieldRe finds the column of a mapping error ("mapping[3]", "mapping.3").
var importColFieldRe = regexp.MustCompile(`^(?:mapping|map|columns?)[\[.](\d+)\]?$`)

// importOptionFields are the option inputs an error can name.
var importOptionFields = []string{"entity", "mode", "key", "on_error", "on_duplicate", "owner", "sheet", "template_name"}

// attach shows err on the page: next to the column select it names (or
// every column mapped to the field it names), next to the option input, or
// in the list above the mapping.
func (v *importMapView) attach(err error) {
	e := guanxi.AsError(err)
	v.Alert = v.T(e.Key, importLabelArgs(e.Args, v.FieldLabel))
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	for _, fe := range e.Fields {
		msg := v.T(fe.Key, importLabelArgs(fe.Args, v.FieldLabel))
		if m := importColFieldRe.FindStringSubmatch(fe.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(v.Cols) {
				v.Cols[i].Err = msg
				continue
			}
		}
		if slices.Contains(importOptionFields, fe.Field) {
			v.Errors[fe.Field] = msg
			continue
		}
		field := strings.TrimPrefix(fe.Field, "mapping.")
		hit := false
		for i := range v.Cols {
			if v.Cols[i].Field == field && field != "" {
				v.Cols[i].Err, hit = msg, true
			}
		}
		if !hit {
			if _, named := fe.Args["field"]; !named && field != "" && field != "mapping" {
				msg = v.FieldLabel(field) + v.Colon() + msg
			}
			v.MapErrs = append(v.MapErrs, msg)
		}
	}
	if len(e.Fields) == 0 && e.Kind != guanxi.KindInternal {
		v.MapErrs = append(v.MapErrs, v.Alert)
	}
}

// importPreview re-runs the preview with the edited form ("check again", a
// sheet, entity or template change); htmx gets the form back, a plain post
// the whole page.
func (h *Handler) importPreview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.buildMapView(r, id, parseImportMapForm(r), nil)
	if err != nil {
		return err
	}
	return h.renderImportMap(w, r, http.StatusOK, v)
}

func (h *Handler) renderImportMap(w http.ResponseWriter, r *http.Request, status int, v *importMapView) error {
	if v.Im.Status != bulk.StatusUploaded {
		return redirect(w, r, "/imports/"+strconv.FormatInt(v.Im.ID, 10))
	}
	if isHTMX(r) {
		return h.renderBlock(w, r, status, "import_map", "mapform", v)
	}
	return h.render(w, r, status, "import_map", v)
}

// importSaveTemplate saves the form's mapping as a named template (header
// text → field) and shows the form again with the template chosen.
func (h *Handler) importSaveTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := parseImportMapForm(r)
	f.Remap = false
	v, err := h.buildMapView(r, id, f, nil)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("template_name"))
	if name == "" {
		v.Errors = map[string]string{"template_name": v.T("validation.required")}
		return h.renderImportMap(w, r, http.StatusBadRequest, v)
	}
	t := bulk.Template{Name: name, Entity: v.Opt.Entity, Columns: map[string]string{}}
	// Ignored columns are kept as "" so a template can say "not this one".
	for _, c := range v.Cols {
		if c.Header != "" {
			t.Columns[c.Header] = c.Field
		}
	}
	if err := h.app.Imports.SaveTemplate(r.Context(), actor(r), &t); err != nil {
		if !importInputErr(err) {
			return err
		}
		e := guanxi.AsError(err)
		msg := v.T(e.Key, e.Args)
		for _, fe := range e.Fields {
			msg = v.T(fe.Key, fe.Args)
		}
		v.Errors = map[string]string{"template_name": msg}
		return h.renderImportMap(w, r, response.Status(err), v)
	}
	if v.Templates, err = h.app.Imports.Templates(r.Context(), actor(r), v.Opt.Entity); err != nil {
		return err
	}
	v.TemplateID = t.ID
	v.Note = v.T("web.import.template_saved", "name", t.Name)
	return h.renderImportMap(w, r, http.StatusOK, v)
}

// importStart queues the import with the form's options; problems with the
// mapping come back inline on the mapping page.
func (h *Handler) importStart(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := parseImportMapForm(r)
	if f.Remap {
		// The sheet or entity changed without a new preview: show it first.
		v, err := h.buildMapView(r, id, f, nil)
		if err != nil {
			return err
		}
		return h.renderImportMap(w, r, http.StatusOK, v)
	}
	if _, err := h.app.Imports.Start(r.Context(), actor(r), id, f.Version, f.Opt); err != nil {
		if !importInputErr(err) {
			return err
		}
		v, verr := h.buildMapView(r, id, f, err)
		if verr != nil {
			return err
		}
		return h.renderImportMap(w, r, response.Status(err), v)
	}
	return redirect(w, r, "/imports/"+strconv.FormatInt(id, 10))
}
