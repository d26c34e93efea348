package bulk

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// ExportCustomers is the only export kind the job queue runs today; reports
// export synchronously through their own pages.
const ExportCustomers = "customers"

// Export job states.
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

// ExportRequest says what to take out. Filter is the JSON filter language
// of the customer list; a saved filter supplies Q, Filter and Sort instead.
type ExportRequest struct {
	Kind          string          `json:"kind"`
	Format        Format          `json:"format"`
	Q             string          `json:"q,omitempty"`
	Filter        json.RawMessage `json:"filter,omitempty"`
	Sort          string          `json:"sort,omitempty"`
	Deleted       bool            `json:"deleted,omitempty"`
	SavedFilterID guanxi.ID       `json:"saved_filter_id,omitempty"`
	// Unmasked asks for the sensitive fields the exporter may reveal in
	// clear; it needs Reason and is audited as a bulk reveal.
	Unmasked bool   `json:"unmasked,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Lang is the language of headers and labels (default zh-CN).
	Lang string `json:"lang,omitempty"`
	// Include adds sheets of the customers' children to an .xlsx:
	// "holdings", "transactions", "interactions".
	Include []string `json:"include,omitempty"`
}

// ExportChildren lists what Include may name, in sheet order.
var ExportChildren = []string{"holdings", "transactions", "interactions"}

// ExportJob is a background export and, when done, its file.
type ExportJob struct {
	ID         guanxi.ID  `db:"id"`
	UserID     guanxi.ID  `db:"user_id"`
	UserName   string     `db:"user_name"`
	Kind       string     `db:"kind"`
	Format     Format     `db:"format"`
	Params     string     `db:"params"` // ExportRequest as JSON
	Status     string     `db:"status"`
	Rows       int64      `db:"row_count"`
	Size       int64      `db:"byte_size"`
	FileName   string     `db:"file_name"`
	Error      string     `db:"error_key"` // message key of a failure
	Attempt    int        `db:"attempt"`
	LeaseUntil *time.Time `db:"lease_until"`
	CreatedAt  time.Time  `db:"created_at"`
	StartedAt  *time.Time `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	ExpiresAt  *time.Time `db:"expires_at"`
	Version    int64      `db:"version"`
}

// Request decodes the job's parameters.
func (j ExportJob) Request() (ExportRequest, error) {
	var r ExportRequest
	err := json.Unmarshal([]byte(j.Params), &r)
	return r, err
}

// ContentType is the MIME type of the job's file.
func (j ExportJob) ContentType() string { return ContentType(j.Format) }

// ContentType is the MIME type of a format.
func ContentType(f Format) string {
	if f == FormatXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// ExportStore is what the exporter needs from storage. Job and saved
// filter reads are limited to what the actor may see (NotFound otherwise).
type ExportStore interface {
	UserByID(ctx context.Context, id guanxi.ID) (staff.User, error)
	Audit(ctx context.Context, entries ...audit.Entry) error

	CreateExport(ctx context.Context, a guanxi.Actor, j *ExportJob) error
	// ClaimExport takes the oldest queued job, or a running one whose lease
	// ran out (its chunks are dropped), and leases it until leaseUntil;
	// ok is false when there is none. Jobs past exportAttempts fail.
	ClaimExport(ctx context.Context, now, leaseUntil time.Time, exportAttempts int) (j ExportJob, ok bool, err error)
	// AppendExportChunk stores the next piece of the file and extends the
	// lease; a lost lease (another instance took the job) is a Conflict.
	AppendExportChunk(ctx context.Context, id guanxi.ID, attempt, seq int, data []byte, rows int64, leaseUntil time.Time) error
	// FinishExport marks the job done, notifies its owner and appends the
	// audit entries, in one transaction; a lost lease is a Conflict.
	FinishExport(ctx context.Context, j ExportJob, entries []audit.Entry) error
	FailExport(ctx context.Context, id guanxi.ID, attempt int, key string) error
	GetExport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (ExportJob, error)
	ListExports(ctx context.Context, a guanxi.Actor, limit int) ([]ExportJob, error)
	// ExportChunks calls fn with each piece of a done job's file in order.
	ExportChunks(ctx context.Context, id guanxi.ID, fn func([]byte) error) error
	// PurgeExports drops the files that expired by now and the job rows
	// created before dropBefore.
	PurgeExports(ctx context.Context, now, dropBefore time.Time) (int, error)

	SavedFilterStore

	// The children of the listed customers, limited to a's scope.
	ExportHoldings(ctx context.Context, a guanxi.Actor, customerIDs []guanxi.ID) ([]customer.Holding, error)
	ExportTransactions(ctx context.Context, a guanxi.Actor, customerIDs []guanxi.ID) ([]customer.Transaction, error)
	ExportInteractions(ctx context.Context, a guanxi.Actor, customerIDs []guanxi.ID) ([]customer.Interaction, error)
}

// Exporter takes customer lists and reports out as CSV and .xlsx: masked
// by the exporter's reveal permissions, formulas defused, audited with the
// row count. Exports above Threshold rows run in the background.
type Exporter struct {
	Customers *customer.Service
	Store     ExportStore
	I18n      *i18n.Bundle
	Now       func() time.Time
	// Loc renders times (default Asia/Shanghai).
	Loc *time.Location
	// Threshold is the largest export streamed straight to the caller
	// (default 10,000 rows); tests lower it.
	Threshold int
	// Lease is how long a claimed job stays with its instance without
	// progress (default 2 minutes); Keep how long files are kept (7 days).
	Lease time.Duration
	Keep  time.Duration
	// ChunkSize is the size of the file pieces stored (default 1 MiB).
	ChunkSize int
	// Access records every exported customer (nil: not recorded).
	Access *accesslog.Log
}

// NewExporter is the production exporter over one store.
func NewExporter(s ExportStore, customers *customer.Service, b *i18n.Bundle) *Exporter {
	return &Exporter{Customers: customers, Store: s, I18n: b, Now: time.Now}
}

const (
	defaultThreshold = 10000
	exportPage       = customer.MaxLimit
	exportAttempts   = 3
)

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Exporter) loc() *time.Location {
	if e.Loc != nil {
		return e.Loc
	}
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}

func (e *Exporter) threshold() int {
	if e.Threshold > 0 {
		return e.Threshold
	}
	return defaultThreshold
}

// exportPlan is a validated request: the list query and what may be unmasked.
type exportPlan struct {
	req    ExportRequest
	query  customer.ListQuery
	reveal revealSet
}

// revealSet is which sensitive fields go out in clear.
type revealSet struct{ IDNumber, Phone, Account bool }

func (r revealSet) fields() []string {
	var out []string
	if r.IDNumber {
		out = append(out, string(customer.RevealIDNumber))
	}
	if r.Phone {
		out = append(out, string(customer.RevealMobile), string(customer.RevealPhone))
	}
	if r.Account {
		out = append(out, string(customer.RevealAccount))
	}
	return out
}

// prepare checks the request against the actor and resolves the saved
// filter into the list query.
func (e *Exporter) prepare(ctx context.Context, a guanxi.Actor, req ExportRequest) (exportPlan, error) {
	if !a.Can(guanxi.PermExport) || !a.Can(guanxi.PermCustomerRead) {
		return exportPlan{}, guanxi.Forbidden("error.forbidden")
	}
	if req.Kind == "" {
		req.Kind = ExportCustomers
	}
	if req.Format == "" {
		req.Format = FormatXLSX
	}
	if !i18n.Valid(req.Lang) {
		req.Lang = i18n.Default
	}
	req.Reason = strings.TrimSpace(req.Reason)
	var f guanxi.Fields
	if req.Kind != ExportCustomers {
		f.Add("kind", "validation.enum")
	}
	if req.Format != FormatCSV && req.Format != FormatXLSX {
		f.Add("format", "validation.enum")
	}
	for _, k := range req.Include {
		if !hasString(ExportChildren, k) {
			f.Add("include", "validation.enum")
		} else if req.Format != FormatXLSX || req.Deleted {
			// CSV has one table; the trash has no live children.
			f.Add("include", "validation.enum")
		}
	}
	if req.Unmasked {
		if req.Reason == "" {
			f.Add("reason", "validation.required")
		} else if utf8.RuneCountInString(req.Reason) > 500 {
			f.Add("reason", "validation.too_long", map[string]any{"max": 500})
		}
	}
	if err := f.Err(); err != nil {
		return exportPlan{}, err
	}
	p := exportPlan{req: req, query: customer.ListQuery{Q: req.Q, Sort: req.Sort, Deleted: req.Deleted, Limit: exportPage}}
	if req.Deleted && !a.Can(guanxi.PermCustomerRestore) {
		return exportPlan{}, guanxi.Forbidden("error.forbidden")
	}
	node, err := segment.Parse(req.Filter)
	if err != nil {
		return exportPlan{}, err
	}
	p.query.Filter = node
	if req.SavedFilterID != 0 {
		sf, err := e.Store.SavedFilter(ctx, a, req.SavedFilterID)
		if err != nil {
			return exportPlan{}, err
		}
		if err := sf.Apply(&p.query); err != nil {
			return exportPlan{}, err
		}
	}
	if req.Unmasked {
		p.reveal = revealSet{IDNumber: a.Can(guanxi.PermRevealIDNumber), Phone: a.Can(guanxi.PermRevealPhone),
			Account: a.Can(guanxi.PermRevealAccount)}
		if p.reveal == (revealSet{}) {
			return exportPlan{}, guanxi.Forbidden("error.forbidden")
		}
	}
	return p, nil
}

func joinQ(a, b string) string { return strings.TrimSpace(a + " " + b) }

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func andNodes(a, b *segment.Node) *segment.Node {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &segment.Node{And: []*segment.Node{a, b}}
}

// pageSource yields the exported customers a page at a time; it can be
// walked more than once (the .xlsx sheets of children walk it again).
type pageSource func(fn func(page []customer.Customer) error) error

// pages walks the actor's customers matching q by keyset pages, never
// holding more than a page.
func (e *Exporter) pages(ctx context.Context, a guanxi.Actor, q customer.ListQuery) pageSource {
	return func(fn func(page []customer.Customer) error) error {
		q.Limit, q.Cursor = exportPage, ""
		for {
			page, err := e.Customers.List(ctx, a, q)
			if err != nil {
				return err
			}
			if len(page.Items) > 0 {
				if err := fn(page.Items); err != nil {
					return err
				}
			}
			if page.NextCursor == "" {
				return nil
			}
			q.Cursor = page.NextCursor
		}
	}
}

// slicePages yields rows already in memory in pages.
func slicePages(rows []customer.Customer) pageSource {
	return func(fn func(page []customer.Customer) error) error {
		for i := 0; i < len(rows); i += exportPage {
			if err := fn(rows[i:min(i+exportPage, len(rows))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// Opener starts the response for a direct export: it receives the file
// name and content type and returns where the file goes.
type Opener func(fileName, contentType string) (io.Writer, error)

// Export exports straight to open when the list has at most Threshold
// rows (it returns nil, nil); a longer list is queued as a background job
// and returned without calling open.
func (e *Exporter) Export(ctx context.Context, a guanxi.Actor, req ExportRequest, open Opener) (*ExportJob, error) {
	p, err := e.prepare(ctx, a, req)
	if err != nil {
		return nil, err
	}
	// Fetch at most Threshold+1 rows: that bounds the count cheaply.
	limit := e.threshold()
	var rows []customer.Customer
	err = e.pages(ctx, a, p.query)(func(page []customer.Customer) error {
		rows = append(rows, page...)
		if len(rows) > limit {
			return errEnough
		}
		return nil
	})
	if err == errEnough {
		return e.queue(ctx, a, p)
	}
	if err != nil {
		return nil, err
	}
	w, err := open(e.fileName(p.req), ContentType(p.req.Format))
	if err != nil {
		return nil, err
	}
	n, err := e.write(ctx, a, p, w, slicePages(rows), nil)
	if err != nil {
		return nil, err
	}
	return nil, e.Store.Audit(ctx, e.auditEntries(a, p, 0, n)...)
}

type exportSentinel string

func (s exportSentinel) Error() string { return string(s) }

const errEnough = exportSentinel("bulk: more rows than the threshold")

// Queue validates the request and queues it as a background job.
func (e *Exporter) Queue(ctx context.Context, a guanxi.Actor, req ExportRequest) (*ExportJob, error) {
	p, err := e.prepare(ctx, a, req)
	if err != nil {
		return nil, err
	}
	return e.queue(ctx, a, p)
}

func (e *Exporter) queue(ctx context.Context, a guanxi.Actor, p exportPlan) (*ExportJob, error) {
	b, err := json.Marshal(p.req)
	if err != nil {
		return nil, guanxi.Internal(err)
	}
	j := &ExportJob{UserID: a.UserID, UserName: a.Username, Kind: p.req.Kind, Format: p.req.Format, Params: string(b),
		Status: ExportQueued, FileName: e.fileName(p.req), CreatedAt: e.now()}
	if err := e.Store.CreateExport(ctx, a, j); err != nil {
		return nil, err
	}
	return j, nil
}

// WriteTo exports synchronously to w whatever the size (the CLI), calling
// progress every page; it audits like any export.
func (e *Exporter) WriteTo(ctx context.Context, a guanxi.Actor, req ExportRequest, w io.Writer, progress func(rows int64)) (int64, error) {
	p, err := e.prepare(ctx, a, req)
	if err != nil {
		return 0, err
	}
	n, err := e.write(ctx, a, p, w, e.pages(ctx, a, p.query), progress)
	if err != nil {
		return n, err
	}
	return n, e.Store.Audit(ctx, e.auditEntries(a, p, 0, n)...)
}

// AuditExport records an export written by a report page (kind names it:
// "tickets"…) with its format, row count and filter.
func (e *Exporter) AuditExport(ctx context.Context, a guanxi.Actor, kind string, f Format, rows int64, filter map[string]any) error {
	return e.Store.Audit(ctx, audit.New(a, audit.ActionExport, "export", 0,
		map[string]any{"kind": kind, "format": f, "rows": rows, "filter": filter}))
}

func (e *Exporter) fileName(req ExportRequest) string {
	return "customers-" + e.now().In(e.loc()).Format("20060102-150405") + "." + string(req.Format)
}

// auditEntries records the export (and the bulk reveal when unmasked):
// the filter, format and row count, never the data.
func (e *Exporter) auditEntries(a guanxi.Actor, p exportPlan, jobID guanxi.ID, rows int64) []audit.Entry {
	filter := map[string]any{}
	if p.req.Q != "" {
		filter["q"] = p.req.Q
	}
	if len(p.req.Filter) > 0 && string(p.req.Filter) != "null" {
		filter["filter"] = p.req.Filter
	}
	if p.req.Sort != "" {
		filter["sort"] = p.req.Sort
	}
	if p.req.Deleted {
		filter["deleted"] = true
	}
	if p.req.SavedFilterID != 0 {
		filter["saved_filter_id"] = p.req.SavedFilterID
	}
	detail := map[string]any{"kind": p.req.Kind, "format": p.req.Format, "rows": rows, "filter": filter}
	if len(p.req.Include) > 0 {
		detail["include"] = p.req.Include
	}
	if jobID != 0 {
		detail["export_id"] = jobID
	}
	out := []audit.Entry{audit.New(a, audit.ActionExport, "export", jobID, detail)}
	if p.req.Unmasked {
		out = append(out, audit.New(a, audit.ActionReveal, "export", jobID, map[string]any{
			"bulk": true, "fields": p.reveal.fields(), "reason": p.req.Reason, "rows": rows, "kind": p.req.Kind}))
	}
	return out
}

// write renders the customers src yields into w in p's format, then the
// sheets of their children p asks for, and returns the customer count.
func (e *Exporter) write(ctx context.Context, a guanxi.Actor, p exportPlan, w io.Writer, src pageSource, progress func(int64)) (int64, error) {
	defs, err := e.Customers.Store.FieldDefs(ctx)
	if err != nil {
		return 0, err
	}
	t := newTable(w, p.req.Format)
	n, err := e.writeCustomers(ctx, p, defs, t, e.accessLogged(ctx, a, src), progress)
	if err != nil {
		return n, err
	}
	for _, kind := range p.req.Include {
		if err := e.writeChildren(ctx, a, p, kind, t, src); err != nil {
			return n, err
		}
	}
	if err := t.Close(); err != nil {
		return n, err
	}
	if progress != nil {
		progress(n)
	}
	return n, nil
}

// writeCustomers writes the customer sheet with the given custom fields.
func (e *Exporter) writeCustomers(ctx context.Context, p exportPlan, defs []customer.FieldDef, t Table, src pageSource, progress func(int64)) (int64, error) {
	cols := customerColumns(defs)
	lb := newExportLabels(e.I18n, p.req.Lang)
	header := make([]string, len(cols))
	widths := make([]float64, len(cols))
	for i, c := range cols {
		header[i] = c.header(lb)
		widths[i] = c.width
	}
	if err := t.Sheet(lb.t("export.sheet.customers"), header, widths); err != nil {
		return 0, err
	}
	ctxRow := exportRow{reveal: p.reveal, labels: lb, loc: e.loc()}
	cells := make([]any, len(cols))
	var n int64
	err := src(func(page []customer.Customer) error {
		for i := range page {
			for j, col := range cols {
				cells[j] = col.value(&ctxRow, &page[i])
			}
			if err := t.Row(cells); err != nil {
				return err
			}
		}
		n += int64(len(page))
		if progress != nil {
			progress(n)
		}
		return ctx.Err()
	})
	return n, err
}

// exportLabels translates headers and enum values, caching each label.
type exportLabels struct {
	b     *i18n.Bundle
	lang  string
	cache map[string]string
}

func newExportLabels(b *i18n.Bundle, lang string) *exportLabels {
	return &exportLabels{b: b, lang: lang, cache: map[string]string{}}
}

func (l *exportLabels) t(key string) string {
	if s, ok := l.cache[key]; ok {
		return s
	}
	s := key
	if l.b != nil {
		s = l.b.T(l.lang, key, nil)
	}
	l.cache[key] = s
	return s
}

// enum labels a value, keeping values the catalog does not know as they are.
func (l *exportLabels) enum(kind, v string) string {
	if v == "" {
		return ""
	}
	key := "enum." + kind + "." + v
	if s, ok := l.cache[key]; ok {
		return s
	}
	s := v
	if l.b != nil && l.b.Has(l.lang, key) {
		s = l.b.T(l.lang, key, nil)
	}
	l.cache[key] = s
	return s
}

type exportRow struct {
	reveal revealSet
	labels *exportLabels
	loc    *time.Location
}

func (r *exportRow) time(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.In(r.loc).Format("2006-01-02 15:04")
}

// exportColumn is one exported customer field.
type exportColumn struct {
	key   string                   // message key of the header
	label func(lang string) string // the header of a custom field
	width float64
	value func(r *exportRow, c *customer.Customer) any
}

func (c exportColumn) header(l *exportLabels) string {
	if c.label != nil {
		return c.label(l.lang)
	}
	return l.t(c.key)
}

func cellText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// customerColumns lists the exported fields in the order of the list page
// and the form, custom fields last by their label.
func customerColumns(defs []customer.FieldDef) []exportColumn {
	cols := []exportColumn{
		{key: "field.number", width: 14, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.Number) }},
		{key: "field.name", width: 20, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.Name) }},
		{key: "field.kind", width: 8, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("kind", string(c.Kind))) }},
		{key: "field.gender", width: 6, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("gender", c.Gender)) }},
		{key: "field.birthday", width: 12, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.Birthday) }},
		{key: "field.mobile", width: 14, value: func(r *exportRow, c *customer.Customer) any {
			if r.reveal.Phone {
				return cellText(c.Mobile)
			}
			return cellText(customer.MaskPhone(c.Mobile))
		}},
		{key: "field.phone", width: 14, value: func(r *exportRow, c *customer.Customer) any {
			if r.reveal.Phone {
				return cellText(c.Phone)
			}
			return cellText(customer.MaskPhone(c.Phone))
		}},
		{key: "field.id_type", width: 10, value: func(r *exportRow, c *customer.Customer) any {
			return cellText(r.labels.enum("id_type", string(c.IDType)))
		}},
		{key: "field.id_number", width: 20, value: func(r *exportRow, c *customer.Customer) any {
			if r.reveal.IDNumber {
				return cellText(c.IDNumber)
			}
			return cellText(customer.MaskIDNumber(c.IDNumber))
		}},
		{key: "field.email", width: 22, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.Email) }},
		{key: "field.wechat", width: 14, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.WeChat) }},
		{key: "export.col.region", width: 20, value: func(_ *exportRow, c *customer.Customer) any {
			return cellText(strings.Join(slices.DeleteFunc([]string{c.Province, c.City, c.District}, func(s string) bool { return s == "" }), " "))
		}},
		{key: "field.address", width: 30, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.Address) }},
		{key: "field.market", width: 10, value: func(r *exportRow, c *customer.Customer) any {
			return cellText(r.labels.enum("market", string(c.Market)))
		}},
		{key: "field.industry", width: 16, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("industry", c.Industry)) }},
		{key: "field.source", width: 10, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("source", c.Source)) }},
		{key: "field.stage", width: 12, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("stage", string(c.Stage))) }},
		{key: "field.grade", width: 8, value: func(r *exportRow, c *customer.Customer) any { return cellText(r.labels.enum("grade", c.Grade)) }},
		{key: "field.tags", width: 20, value: func(_ *exportRow, c *customer.Customer) any { return cellText(strings.Join(c.Tags, ", ")) }},
		{key: "field.owner", width: 12, value: func(_ *exportRow, c *customer.Customer) any { return cellText(c.OwnerName) }},
		{key: "field.created_at", width: 17, value: func(r *exportRow, c *customer.Customer) any { return r.time(&c.CreatedAt) }},
		{key: "field.last_contact_at", width: 17, value: func(r *exportRow, c *customer.Customer) any { return r.time(c.LastContactAt) }},
	}
	for _, d := range defs {
		key := d.Key
		cols = append(cols, exportColumn{key: "custom." + key, label: d.Label, width: 14, value: func(_ *exportRow, c *customer.Customer) any {
			return customCell(c.Custom[key])
		}})
	}
	return cols
}

// customCell renders a custom field value as a cell.
func customCell(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return cellText(x)
	case float64:
		return x
	case int64:
		return x
	case int:
		return x
	case bool:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			} else {
				b, _ := json.Marshal(p)
				parts = append(parts, string(b))
			}
		}
		return cellText(strings.Join(parts, ", "))
	case []string:
		return cellText(strings.Join(x, ", "))
	}
	b, _ := json.Marshal(v)
	return cellText(string(b))
}
