package bulk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Defaults of the importer's tunables.
const (
	DefaultMaxFileSize = 512 << 20
	DefaultLease       = 15 * time.Second
	DefaultBatch       = 2000
	// DefaultDeferTokens is the file size (rows) from which an import
	// defers its customers' search tokens to the end (see DeferTokensAt).
	DefaultDeferTokens = 20000
	// flushCustomers is the customers whose staged tokens one flush step
	// moves (about 43 token rows each).
	flushCustomers = 10000
	chunkSize      = 1 << 20
	previewRows    = 20
)

// Importer runs imports: upload, preview, start, the runner that writes
// them in batches under a lease (RunPending, RunOne), cancel, undo, the
// error report and mapping templates.
type Importer struct {
	Store Store
	Log   *slog.Logger
	Now   guanxi.Clock
	// Limits bound the file reader (zero: DefaultLimits).
	Limits Limits
	// MaxFileSize refuses larger uploads (0: DefaultMaxFileSize).
	MaxFileSize int64
	// Lease is how long a runner holds an import between renewals; a
	// runner that dies is replaced after it (0: DefaultLease).
	Lease time.Duration
	// Batch is the rows per write transaction (0: DefaultBatch).
	Batch int
	// DeferTokensAt: imports of at least this many rows stage new
	// customers' search tokens and write them in key order after the last
	// row (0: DefaultDeferTokens; negative: never). Smaller imports write
	// them with each batch, so their customers are found at once.
	DeferTokensAt int64
	// Owner names this runner in leases (default host, pid and a random
	// suffix).
	Owner string

	once sync.Once
}

func (s *Importer) init() {
	s.once.Do(func() {
		if s.Owner == "" {
			host, _ := os.Hostname()
			b := make([]byte, 4)
			rand.Read(b)
			s.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
	})
}

func (s *Importer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Importer) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

func (s *Importer) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

func (s *Importer) deferTokens(rows int64) bool {
	at := s.DeferTokensAt
	if at == 0 {
		at = DefaultDeferTokens
	}
	return at > 0 && rows >= at
}

func (s *Importer) limits() Limits {
	if s.Limits == (Limits{}) {
		return DefaultLimits()
	}
	return s.Limits
}

func (s *Importer) maxSize() int64 {
	if s.MaxFileSize > 0 {
		return s.MaxFileSize
	}
	return DefaultMaxFileSize
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// sizedReaderAt is what a multipart file or an *os.File offers.
type sizedReaderAt interface {
	io.ReaderAt
	io.Seeker
}

// Upload stores a file as a new import (status uploaded) and sniffs it. A
// file the reader cannot open is refused and nothing is stored.
func (s *Importer) Upload(ctx context.Context, a guanxi.Actor, name string, r io.Reader) (Import, error) {
	s.init()
	if err := need(a, guanxi.PermImport); err != nil {
		return Import{}, err
	}
	name = cleanFileName(name)
	var ra io.ReaderAt
	var size int64
	if f, ok := r.(sizedReaderAt); ok {
		n, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return Import{}, guanxi.Internal(err)
		}
		ra, size = f, n
	} else {
		// Spool the stream to a temporary file: the reader needs random
		// access (.xlsx) and the body may be far larger than memory allows.
		tmp, err := os.CreateTemp("", "guanxi-import-*")
		if err != nil {
			return Import{}, guanxi.Internal(err)
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, err := io.Copy(tmp, io.LimitReader(r, s.maxSize()+1))
		if err != nil {
			return Import{}, &guanxi.Error{Kind: guanxi.KindInvalid, Key: "import.file.read", Err: err}
		}
		ra, size = tmp, n
	}
	if size > s.maxSize() {
		return Import{}, guanxi.InvalidKey("import.job.file_too_large", map[string]any{"max_mb": s.maxSize() >> 20})
	}
	rd, err := Open(ra, size, name, "", s.limits())
	if err != nil {
		return Import{}, err
	}
	header, info := rd.Header(), rd.Info()
	rd.Close()
	im := Import{Entity: Customers, FileName: name, FileSize: size, Info: info,
		Options: Options{Entity: Customers, Sheet: info.Sheet}}
	var off int64
	buf := make([]byte, chunkSize)
	next := func() ([]byte, error) {
		if off >= size {
			return nil, io.EOF
		}
		n, err := ra.ReadAt(buf[:min(int64(chunkSize), size-off)], off)
		if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
			return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: "import.file.read", Err: err}
		}
		off += int64(n)
		return buf[:n], nil
	}
	if err := s.Store.CreateImport(ctx, a, &im, header, next); err != nil {
		return Import{}, err
	}
	return im, nil
}

// cleanFileName keeps the base name of an upload, without path or control
// characters.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		name = "upload"
	}
	return name
}

// chunkReader reads an import's stored file piece by piece, keeping the
// last piece read (rows are read in order; .xlsx reads jump about a little).
type chunkReader struct {
	ctx   context.Context
	store Store
	id    guanxi.ID
	size  int64
	n     int
	data  []byte
}

func (c *chunkReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= c.size {
		return 0, io.EOF
	}
	total := 0
	for len(p) > 0 && off < c.size {
		n := int(off / chunkSize)
		if c.data == nil || c.n != n {
			b, err := c.store.ImportChunk(c.ctx, c.id, n)
			if err != nil {
				return total, err
			}
			c.n, c.data = n, b
		}
		k := copy(p, c.data[off-int64(n)*chunkSize:])
		if k == 0 {
			return total, io.ErrUnexpectedEOF
		}
		p, off, total = p[k:], off+int64(k), total+k
	}
	if len(p) > 0 {
		return total, io.EOF
	}
	return total, nil
}

// open reads import im's stored file (sheet: "" the first).
func (s *Importer) open(ctx context.Context, im Import, sheet string) (Reader, error) {
	return Open(&chunkReader{ctx: ctx, store: s.Store, id: im.ID, size: im.FileSize}, im.FileSize, im.FileName, sheet, s.limits())
}

// withDefaults fills the options a caller left empty.
func withDefaults(o Options, im Import, header []string, defs []customer.FieldDef) Options {
	if o.Entity == "" {
		o.Entity = im.Entity
	}
	if o.Entity == "" {
		o.Entity = Customers
	}
	if o.Mode == "" {
		o.Mode = ModeCreate
	}
	if o.Key == "mobile_phone" || o.Key == "phone" {
		o.Key = KeyMobile
	}
	if o.OnError == "" {
		o.OnError = ErrorsSkip
	}
	if o.OnDuplicate == "" {
		o.OnDuplicate = DupSkip
	}
	if o.Currency == "" {
		o.Currency = "CNY"
	}
	if len(o.Mapping) == 0 && header != nil {
		o.Mapping = AutoMap(o.Entity, header, defs)
	}
	if o.Key == "" {
		o.Key = defaultKey(o)
	}
	return o
}

// defaultKey picks the key the mapping supplies, phone first: it is what
// Chinese customer sheets reliably have.
func defaultKey(o Options) Key {
	prefix := ""
	if o.Entity != Customers {
		prefix = "customer."
	}
	for _, k := range []Key{KeyMobile, KeyIDNumber, KeyNumber} {
		if slices.Contains(o.Mapping, prefix+string(k)) {
			return k
		}
	}
	return KeyMobile
}

func validOptions(o Options) error {
	var f guanxi.Fields
	if !slices.Contains(Entities, o.Entity) {
		f.Add("entity", "validation.enum")
	}
	if !slices.Contains([]Mode{ModeCreate, ModeUpdate, ModeUpsert}, o.Mode) {
		f.Add("mode", "validation.enum")
	}
	if !slices.Contains([]Key{KeyNumber, KeyIDNumber, KeyMobile}, o.Key) {
		f.Add("key", "validation.enum")
	}
	if !slices.Contains([]OnError{ErrorsAbort, ErrorsSkip}, o.OnError) {
		f.Add("on_error", "validation.enum")
	}
	if !slices.Contains([]OnDuplicate{DupSkip, DupUpdate, DupReview}, o.OnDuplicate) {
		f.Add("on_duplicate", "validation.enum")
	}
	return f.Err()
}

// Preview maps (o.Mapping, or AutoMap/template when empty) and converts the
// first rows of an uploaded import without writing anything.
func (s *Importer) Preview(ctx context.Context, a guanxi.Actor, id guanxi.ID, o Options, templateID guanxi.ID) (Preview, error) {
	s.init()
	if err := need(a, guanxi.PermImport); err != nil {
		return Preview{}, err
	}
	im, _, err := s.Store.GetImport(ctx, a, id)
	if err != nil {
		return Preview{}, err
	}
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return Preview{}, err
	}
	if o.Sheet == "" {
		o.Sheet = im.Options.Sheet
	}
	rd, err := s.open(ctx, im, o.Sheet)
	if err != nil {
		return Preview{}, err
	}
	defer rd.Close()
	header := rd.Header()
	im.Info = rd.Info()
	if len(o.Mapping) == 0 && templateID != 0 {
		e := o.Entity
		if e == "" {
			e = im.Entity
		}
		ts, err := s.Store.ImportTemplates(ctx, a, e)
		if err != nil {
			return Preview{}, err
		}
		found := false
		for _, t := range ts {
			if t.ID == templateID {
				o.Mapping, found = ApplyTemplate(t, header, defs), true
			}
		}
		if !found {
			return Preview{}, guanxi.NotFound("error.not_found")
		}
	}
	o = withDefaults(o, im, header, defs)
	o.Date1904 = im.Info.Date1904
	p := Preview{Import: im, Header: header, Mapping: o.Mapping, Fields: Fields(o.Entity, defs),
		Rows: []Row{}, Problems: []Problem{}}
	p.Import.Options = o
	if err := validOptions(o); err != nil {
		p.MappingErr = err
	} else {
		p.MappingErr = CheckMapping(header, o, defs)
	}
	var conv *Converter
	if p.MappingErr == nil {
		if conv, err = NewConverter(header, o, defs); err != nil {
			p.MappingErr = err
		}
	}
	for len(p.Rows) < previewRows {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, err
		}
		p.Rows = append(p.Rows, r)
		if conv != nil {
			_, probs := conv.Convert(r)
			p.Problems = append(p.Problems, probs...)
		}
	}
	return p, nil
}

// Start queues an uploaded import with its options (version-checked).
func (s *Importer) Start(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, o Options) (Import, error) {
	s.init()
	if err := need(a, guanxi.PermImport); err != nil {
		return Import{}, err
	}
	im, _, err := s.Store.GetImport(ctx, a, id)
	if err != nil {
		return Import{}, err
	}
	if im.Status != StatusUploaded {
		return Import{}, guanxi.Conflict("import.job.error.state", map[string]any{"status": im.Status})
	}
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return Import{}, err
	}
	if o.Sheet == "" {
		o.Sheet = im.Options.Sheet
	}
	rd, err := s.open(ctx, im, o.Sheet)
	if err != nil {
		return Import{}, err
	}
	header, info := rd.Header(), rd.Info()
	rd.Close()
	o = withDefaults(o, im, header, defs)
	o.Date1904 = info.Date1904
	o.Sheet = info.Sheet
	if err := validOptions(o); err != nil {
		return Import{}, err
	}
	if err := CheckMapping(header, o, defs); err != nil {
		return Import{}, err
	}
	if o.Owner != 0 {
		if _, err := s.Store.ResolveOwnerID(ctx, a, o.Owner); err != nil {
			return Import{}, guanxi.Invalid(guanxi.Field("owner", "validation.owner"))
		}
	}
	return s.Store.QueueImport(ctx, a, id, version, o)
}

// Get returns one import the caller may see (their own; admins all).
func (s *Importer) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	im, _, err := s.Status(ctx, a, id)
	return im, err
}

// Status returns an import with the runner's view of it (phase, header,
// what an undo reversed).
func (s *Importer) Status(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, ImportMeta, error) {
	if err := need(a, guanxi.PermImport); err != nil {
		return Import{}, ImportMeta{}, err
	}
	return s.Store.GetImport(ctx, a, id)
}

// List returns imports newest first.
func (s *Importer) List(ctx context.Context, a guanxi.Actor, limit int, before guanxi.ID) ([]Import, error) {
	if err := need(a, guanxi.PermImport); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.Store.ListImports(ctx, a, limit, before)
}

// Problems returns the bad rows of an import, in line order, with the
// file's header.
func (s *Importer) Problems(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]ProblemRow, []string, error) {
	return s.ProblemsAfter(ctx, a, id, 0, limit)
}

// ProblemsAfter pages the bad rows after line afterLine.
func (s *Importer) ProblemsAfter(ctx context.Context, a guanxi.Actor, id guanxi.ID, afterLine, limit int) ([]ProblemRow, []string, error) {
	_, meta, err := s.Status(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.Store.ImportProblems(ctx, a, id, afterLine, limit)
	return rows, meta.Header, err
}

// Report writes the full error report ("csv" or "xlsx").
func (s *Importer) Report(ctx context.Context, a guanxi.Actor, id guanxi.ID, format Format, w io.Writer, t Translate) error {
	_, meta, err := s.Status(ctx, a, id)
	if err != nil {
		return err
	}
	if format != FormatCSV && format != FormatXLSX {
		return guanxi.Invalid(guanxi.Field("format", "validation.enum"))
	}
	var all []ProblemRow
	for after := 0; ; {
		page, err := s.Store.ImportProblems(ctx, a, id, after, 5000)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < 5000 {
			break
		}
		after = page[len(page)-1].Line
	}
	if format == FormatXLSX {
		return WriteProblemsXLSX(w, meta.Header, all, t)
	}
	return WriteProblemsCSV(w, meta.Header, all, t)
}

// Cancel stops a queued or running import and rolls back what it wrote: a
// queued one at once, a running one at its runner's next batch.
func (s *Importer) Cancel(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	s.init()
	if err := need(a, guanxi.PermImport); err != nil {
		return Import{}, err
	}
	return s.Store.CancelImport(ctx, a, id)
}

// Undo reverses a finished import (admin, audited): it removes the rows it
// created and restores the customers it updated, except those changed by
// someone since (counted as kept). It runs here, batch by batch under a
// lease; if the process dies, the runner finishes it.
func (s *Importer) Undo(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Import, error) {
	s.init()
	if err := need(a, guanxi.PermImportUndo); err != nil {
		return Import{}, err
	}
	if _, err := s.Store.RequestUndo(ctx, a, id, s.Owner, s.now().Add(s.lease())); err != nil {
		return Import{}, err
	}
	return s.revert(ctx, a, id, StatusUndone)
}

// Templates lists saved mappings of an entity ("" for all).
func (s *Importer) Templates(ctx context.Context, a guanxi.Actor, e Entity) ([]Template, error) {
	if err := need(a, guanxi.PermImport); err != nil {
		return nil, err
	}
	return s.Store.ImportTemplates(ctx, a, e)
}

// SaveTemplate creates or (with t.ID and t.Version) updates a mapping template.
func (s *Importer) SaveTemplate(ctx context.Context, a guanxi.Actor, t *Template) error {
	if err := need(a, guanxi.PermImport); err != nil {
		return err
	}
	var f guanxi.Fields
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		f.Add("name", "validation.required")
	} else if len([]rune(t.Name)) > 100 {
		f.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if !slices.Contains(Entities, t.Entity) {
		f.Add("entity", "validation.enum")
	}
	if len(t.Columns) > 1000 {
		f.Add("columns", "validation.too_many", map[string]any{"max": 1000})
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.Store.SaveImportTemplate(ctx, a, t)
}

// DeleteTemplate removes a mapping template.
func (s *Importer) DeleteTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermImport); err != nil {
		return err
	}
	return s.Store.DeleteImportTemplate(ctx, a, id, version)
}
