package bulk

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// Problem keys the runner adds (the converter has its own).
const (
	keyOutOfScope   = "import.job.problem.out_of_scope"
	keyDeleted      = "import.job.problem.deleted"
	keyNotFound     = "import.job.problem.not_found"
	keyNoCustomer   = "import.job.problem.no_customer"
	keyExists       = "import.job.problem.exists"
	keyDupInFile    = "import.job.problem.duplicate_in_file"
	keyUnique       = "import.job.problem.unique"
	keyOwner        = "import.job.problem.owner"
	keyChanged      = "import.job.problem.changed"
	keyConflict     = "import.job.problem.conflict"
	errBadRows      = "import.job.error.bad_rows"
	errInternal     = "import.job.error.internal"
	errUser         = "import.job.error.user_disabled"
	errMappingStale = "import.job.error.mapping"
	revertBatch     = 500
)

// RunPending claims and runs imports that are queued or whose runner died
// (expired lease) until none is left. Serve runs it every few seconds on
// every instance; the lease makes sure one import has one runner.
func (s *Importer) RunPending(ctx context.Context, now time.Time) error {
	s.init()
	for ctx.Err() == nil {
		im, meta, ok, err := s.Store.ClaimImport(ctx, 0, s.Owner, now, now.Add(s.lease()))
		if err != nil || !ok {
			return err
		}
		if err := s.run(ctx, im, meta); err != nil && ctx.Err() == nil {
			s.Log.Error("import", "id", im.ID, "err", err)
		}
		now = s.now()
	}
	return nil
}

// RunOne claims import id and runs it to the end here (the CLI and tests).
// It answers Conflict when another runner holds a live lease on it.
func (s *Importer) RunOne(ctx context.Context, id guanxi.ID) (Import, error) {
	s.init()
	now := s.now()
	im, meta, ok, err := s.Store.ClaimImport(ctx, id, s.Owner, now, now.Add(s.lease()))
	if err != nil {
		return Import{}, err
	}
	if !ok {
		cur, _, err := s.Store.GetImport(ctx, guanxi.SystemActor("import"), id)
		if err != nil {
			return cur, err
		}
		if cur.Status == StatusRunning {
			return cur, guanxi.Conflict("import.job.error.busy", nil)
		}
		return cur, nil
	}
	err = s.run(ctx, im, meta)
	cur, _, gerr := s.Store.GetImport(context.WithoutCancel(ctx), guanxi.SystemActor("import"), id)
	if err == nil {
		err = gerr
	}
	return cur, err
}

// run carries a claimed import through its remaining phases.
func (s *Importer) run(ctx context.Context, im Import, meta ImportMeta) error {
	a, err := s.Store.ImportActor(ctx, im.CreatedBy)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindInternal {
			return err
		}
		if meta.Phase == PhaseValidate {
			return s.Store.FailImport(ctx, im.ID, s.Owner, errUser)
		}
		// Whatever it wrote is reversed as the system.
		a = guanxi.SystemActor("import")
		if meta.Phase == PhaseWrite {
			if err := s.Store.Rollback(ctx, im.ID, s.Owner, errUser); err != nil {
				return err
			}
			meta.Phase, im.ErrorKey = PhaseRollback, errUser
		}
	}
	switch meta.Phase {
	case PhaseValidate, PhaseWrite:
		err = s.write(ctx, a, im, meta)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if errors.Is(err, errAborted) {
			_, err = s.revert(ctx, a, im.ID, StatusFailed)
			return err
		}
		if !errors.Is(err, ErrLeaseLost) {
			// Never leave half an import behind: undo what it wrote.
			s.Log.Error("import failed, rolling back", "id", im.ID, "err", err)
			if rerr := s.Store.Rollback(ctx, im.ID, s.Owner, errInternal); rerr != nil {
				return errors.Join(err, rerr)
			}
			_, rerr := s.revert(ctx, a, im.ID, StatusFailed)
			return errors.Join(err, rerr)
		}
		// Cancelled while running: if the lease is still ours, roll back
		// now; otherwise whoever holds it does.
		cur, cmeta, gerr := s.Store.GetImport(ctx, guanxi.SystemActor("import"), im.ID)
		if gerr != nil || cur.Status != StatusRunning || cmeta.Phase != PhaseRollback {
			return nil
		}
		_, err = s.revert(ctx, a, im.ID, StatusCancelled)
		if errors.Is(err, ErrLeaseLost) {
			return nil
		}
		return err
	case PhaseRollback:
		st := StatusCancelled
		if im.ErrorKey != "" {
			st = StatusFailed
		}
		_, err = s.revert(ctx, a, im.ID, st)
		return err
	case PhaseUndo:
		_, err = s.revert(ctx, a, im.ID, StatusUndone)
		return err
	}
	return nil
}

// revert reverses the import's recorded changes batch by batch and ends it
// with status st.
func (s *Importer) revert(ctx context.Context, a guanxi.Actor, id guanxi.ID, st Status) (Import, error) {
	for {
		more, err := s.Store.RevertBatch(ctx, id, s.Owner, s.now().Add(s.lease()), revertBatch)
		if err != nil {
			return Import{}, err
		}
		if !more {
			break
		}
	}
	return s.Store.Reverted(ctx, a, id, s.Owner, st)
}

// write runs pass 1 (when not done yet) and pass 2.
func (s *Importer) write(ctx context.Context, a guanxi.Actor, im Import, meta ImportMeta) error {
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return err
	}
	o := im.Options
	var v *verdicts // nil when pass 1 ran in an earlier process
	if meta.Phase == PhaseValidate {
		v = &verdicts{}
		ok, err := s.validate(ctx, im, o, defs, v)
		if err != nil || !ok {
			return err
		}
		cur, m, err := s.Store.GetImport(ctx, guanxi.SystemActor("import"), im.ID)
		if err != nil {
			return err
		}
		im, meta = cur, m
	}
	if err := s.pass2(ctx, a, im, meta, o, defs, v); err != nil {
		return err
	}
	if err := s.flushTokens(ctx, a, im.ID); err != nil {
		return err
	}
	_, err = s.Store.Finish(ctx, a, im.ID, s.Owner)
	return err
}

// tokenStager is the part of ImportTx that defers search tokens (the SQL
// store has it): DeferTokens makes the batch stage its new customers'
// tokens, FlushTokens moves up to n customers' staged tokens into the
// search index and reports false when none were left.
type tokenStager interface {
	DeferTokens()
	FlushTokens(ctx context.Context, n int) (bool, error)
}

// flushTokens moves the tokens pass 2 staged into the search index, a step
// per transaction under the lease; the import is done only after it. A
// resumed import repeats it from where it stopped (each step deletes what
// it moved).
func (s *Importer) flushTokens(ctx context.Context, a guanxi.Actor, id guanxi.ID) error {
	for more := true; more; {
		err := s.Store.WriteBatch(ctx, a, id, s.Owner, s.now().Add(s.lease()), func(tx ImportTx) error {
			ts, ok := tx.(tokenStager)
			if !ok {
				more = false
				return nil
			}
			var err error
			more, err = ts.FlushTokens(ctx, flushCustomers)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fileFailed ends an import whose file or mapping no longer reads; true
// when err was such a problem (and the import is now failed).
func (s *Importer) fileFailed(ctx context.Context, id guanxi.ID, err error) (bool, error) {
	ge := guanxi.AsError(err)
	if ge.Kind != guanxi.KindInvalid {
		return false, err
	}
	return true, s.Store.FailImport(ctx, id, s.Owner, ge.Key)
}

// validate is pass 1: every row through the converter, bad rows and rows
// repeating a key earlier in the file stored with their cells, nothing
// written to customers. It reports false when the import ended (failed).
func (s *Importer) validate(ctx context.Context, im Import, o Options, defs []customer.FieldDef, v *verdicts) (bool, error) {
	if err := s.Store.ResetProblems(ctx, im.ID, s.Owner); err != nil {
		return false, err
	}
	rd, err := s.open(ctx, im, o.Sheet)
	if err != nil {
		failed, err := s.fileFailed(ctx, im.ID, err)
		return !failed && err == nil, err
	}
	defer rd.Close()
	conv, err := NewConverter(rd.Header(), o, defs)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindInvalid {
			return false, s.Store.FailImport(ctx, im.ID, s.Owner, errMappingStale)
		}
		return false, err
	}
	var errs, dups []ProblemRow
	flush := func() error {
		if len(errs) > 0 {
			if err := s.Store.AddProblems(ctx, im.ID, s.Owner, ProblemError, errs); err != nil {
				return err
			}
			errs = errs[:0]
		}
		if len(dups) > 0 {
			if err := s.Store.AddProblems(ctx, im.ID, s.Owner, ProblemDuplicate, dups); err != nil {
				return err
			}
			dups = dups[:0]
		}
		return nil
	}
	renew := s.now()
	total, bad, skipped, err := scan(rd, conv, o, v, func(kind string, pr ProblemRow) error {
		if kind == ProblemError {
			errs = append(errs, pr)
		} else {
			dups = append(dups, pr)
		}
		if len(errs)+len(dups) >= 1000 {
			return flush()
		}
		return nil
	}, func(total int64) error {
		if now := s.now(); now.Sub(renew) > s.lease()/4 {
			renew = now
			return s.Store.RenewImport(ctx, im.ID, s.Owner, now.Add(s.lease()), total)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrLeaseLost) || guanxi.KindOf(err) != guanxi.KindInvalid {
			return false, err
		}
		failed, err := s.fileFailed(ctx, im.ID, err)
		return !failed && err == nil, err
	}
	if err := flush(); err != nil {
		return false, err
	}
	key := ""
	if o.OnError == ErrorsAbort && bad > 0 {
		key = errBadRows
	} else if total == 0 {
		key = "import.file.no_rows"
	}
	if err := s.Store.Validated(ctx, im.ID, s.Owner, total, bad, skipped, key, s.now().Add(s.lease())); err != nil {
		return false, err
	}
	return key == "", nil
}

// scan reads every row through the converter (pass 1): it emits bad rows
// and rows repeating a key earlier in the file (first row wins unless
// later rows update), records its verdicts in v when set, and calls tick
// after each row.
func scan(rd Reader, conv *Converter, o Options, v *verdicts, emit func(kind string, pr ProblemRow) error, tick func(total int64) error) (total, bad, skipped int64, err error) {
	keyCol := conv.ColumnOf(string(o.Key))
	seen := newKeySet()
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return total, bad, skipped, nil
		}
		if err != nil {
			return total, bad, skipped, err
		}
		total++
		rec, probs := conv.Convert(r)
		switch {
		case len(probs) > 0:
			bad++
			v.set(total-1, verdictSkip)
			err = emit(ProblemError, ProblemRow{Line: r.Line, Cells: r.Cells, Problems: probs})
		case o.Entity == Customers && rec.KeyValue != "" && o.OnDuplicate == DupUpdate && v != nil:
			if _, dup := seen.seen(rec.KeyValue, r.Line); dup {
				v.set(total-1, verdictAgain)
			}
		case o.Entity == Customers && rec.KeyValue != "" && o.OnDuplicate != DupUpdate:
			if first, dup := seen.seen(rec.KeyValue, r.Line); dup {
				skipped++
				v.set(total-1, verdictSkip)
				err = emit(ProblemDuplicate, ProblemRow{Line: r.Line, Cells: r.Cells, Problems: []Problem{{Line: r.Line,
					Column: keyCol, Field: string(o.Key), Key: keyDupInFile, Args: map[string]any{"line": first},
					Value: rec.KeyValue}}})
			}
		}
		if err == nil && tick != nil {
			err = tick(total)
		}
		if err != nil {
			return total, bad, skipped, err
		}
	}
}

// CheckResult is what a dry run found.
type CheckResult struct {
	Total, Bad, Skipped int64
	Header              []string
	Problems            []ProblemRow
}

// Check is a dry run: pass 1 over an uploaded import with o, writing
// nothing; the import stays uploaded. tick, when set, sees the rows read.
func (s *Importer) Check(ctx context.Context, a guanxi.Actor, id guanxi.ID, o Options, tick func(rows int64)) (CheckResult, error) {
	s.init()
	if err := need(a, guanxi.PermImport); err != nil {
		return CheckResult{}, err
	}
	im, _, err := s.Store.GetImport(ctx, a, id)
	if err != nil {
		return CheckResult{}, err
	}
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return CheckResult{}, err
	}
	if o.Sheet == "" {
		o.Sheet = im.Options.Sheet
	}
	rd, err := s.open(ctx, im, o.Sheet)
	if err != nil {
		return CheckResult{}, err
	}
	defer rd.Close()
	res := CheckResult{Header: rd.Header()}
	o = withDefaults(o, im, res.Header, defs)
	o.Date1904 = rd.Info().Date1904
	if err := validOptions(o); err != nil {
		return res, err
	}
	conv, err := NewConverter(res.Header, o, defs)
	if err != nil {
		return res, err
	}
	res.Total, res.Bad, res.Skipped, err = scan(rd, conv, o, nil, func(_ string, pr ProblemRow) error {
		res.Problems = append(res.Problems, pr)
		return ctx.Err()
	}, func(total int64) error {
		if tick != nil && total%1000 == 0 {
			tick(total)
		}
		return ctx.Err()
	})
	return res, err
}

// item is one line of a pass-2 batch. Lines bad in pass 1 or repeating a
// key are in the batch too (as no-ops) so a batch covers a whole range.
type item struct {
	line   int
	row    Row
	rec    Record
	good   bool
	again  bool // the key came earlier in the file (OnDuplicate update)
	owner  guanxi.ID
	ownerP *Problem
	tokens []string
}

// abortRows carries a batch's bad rows out of its (rolled back)
// transaction when bad rows abort the import.
type abortRows struct{ rows []ProblemRow }

func (e *abortRows) Error() string { return "bulk: bad rows abort the import" }

// errAborted ends a write pass whose bad rows abort the import: what it
// wrote is rolled back and it fails.
var errAborted = errors.New("bulk: import aborted by bad rows")

type batch struct {
	items []item
	err   error
}

// pass2 writes the rows after the last committed line, batch by batch; a
// producer goroutine reads and converts the next batch while this one
// writes. Lines up to the last committed one are read again only to
// rebuild the in-file key set, so a resumed import handles every row once.
func (s *Importer) pass2(ctx context.Context, a guanxi.Actor, im Import, meta ImportMeta, o Options, defs []customer.FieldDef, v *verdicts) error {
	rd, err := s.open(ctx, im, o.Sheet)
	if err != nil {
		return err
	}
	defer rd.Close()
	prodConv, err := NewConverter(rd.Header(), o, defs)
	if err != nil {
		return err
	}
	conv, err := NewConverter(rd.Header(), o, defs)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: one batch converted ahead while one writes, no more
	// (memory grows with every batch held).
	batches := make(chan batch)
	go s.produce(pctx, a, rd, prodConv, o, meta.LastLine, v, batches)
	p := Progress{RowsDone: im.RowsDone, Created: im.Created, Updated: im.Updated, Skipped: im.Skipped,
		Bad: im.Bad, Review: im.Review, LastLine: meta.LastLine, Start: im.RowsDone == 0 && meta.LastLine == 0}
	stage := o.Entity == Customers && s.deferTokens(im.RowsTotal)
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		if err := s.writeItems(ctx, a, im.ID, o, defs, conv, b.items, &p, stage); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *Importer) produce(ctx context.Context, a guanxi.Actor, rd Reader, conv *Converter, o Options, lastLine int, v *verdicts, out chan<- batch) {
	defer close(out)
	send := func(b batch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	seen := newKeySet()
	owners := map[string]ownerRef{}
	size := s.batch()
	var cur []item
	writes := 0
	for n := int64(0); ; n++ {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			send(batch{err: err})
			return
		}
		var it item
		switch {
		case v != nil && r.Line <= lastLine:
			continue
		case v != nil && v.has(n, verdictSkip):
			// Pass 1 judged it (bad or a repeated key): a no-op here,
			// not converted again.
			it = item{line: r.Line, row: Row{Line: r.Line}, rec: Record{Line: r.Line}}
		case v != nil:
			rec, probs := conv.Convert(r)
			it = item{line: r.Line, row: r, rec: rec, good: len(probs) == 0, again: v.has(n, verdictAgain)}
		default:
			it = s.judge(conv, o, seen, r)
		}
		if r.Line <= lastLine {
			continue
		}
		if it.good {
			s.prepare(ctx, a, o, &it, owners)
			writes++
		}
		if !it.good {
			it.row, it.rec = Row{Line: r.Line}, Record{Line: r.Line}
		}
		cur = append(cur, it)
		if writes >= size || len(cur) >= 4*size {
			if !send(batch{items: cur}) {
				return
			}
			cur, writes = nil, 0
		}
	}
	if len(cur) > 0 {
		send(batch{items: cur})
	}
}

// judge converts a row in pass 2 without pass 1's verdicts (a resumed
// import): the in-file key set is rebuilt from every row, committed ones
// included.
func (s *Importer) judge(conv *Converter, o Options, seen *keySet, r Row) item {
	rec, probs := conv.Convert(r)
	it := item{line: r.Line, row: r, rec: rec, good: len(probs) == 0}
	if it.good && o.Entity == Customers && rec.KeyValue != "" {
		if _, dup := seen.seen(rec.KeyValue, r.Line); dup {
			if o.OnDuplicate != DupUpdate {
				it.good = false
			}
			it.again = true
		}
	}
	return it
}

// verdicts keep pass 1's judgement of each row, by its position in the
// file, for a pass 2 in the same process: two bits a row (32 KiB per
// 100,000 rows) instead of converting bad and repeated rows again and
// rebuilding the key set.
type verdicts struct{ bits []uint64 }

const (
	verdictSkip  = 1 // bad, or a repeated key that does not update
	verdictAgain = 2 // a repeated key that updates (OnDuplicate update)
)

// set records verdict k for row n; a nil v records nothing (a dry run).
func (v *verdicts) set(n int64, k uint64) {
	if v == nil {
		return
	}
	i := int(n / 32)
	for len(v.bits) <= i {
		v.bits = append(v.bits, 0)
	}
	v.bits[i] |= k << (2 * (n % 32))
}

func (v *verdicts) has(n int64, k uint64) bool {
	i := int(n / 32)
	return i < len(v.bits) && v.bits[i]>>(2*(n%32))&k != 0
}

type ownerRef struct {
	id  guanxi.ID
	err bool
}

// prepare resolves the row's owner (once per name) and computes a new
// customer's search tokens off the write path.
func (s *Importer) prepare(ctx context.Context, a guanxi.Actor, o Options, it *item, owners map[string]ownerRef) {
	it.owner = o.Owner
	if it.owner == 0 {
		it.owner = a.UserID
	}
	if ref := it.rec.OwnerRef; ref != "" {
		or, ok := owners[ref]
		if !ok {
			id, err := s.Store.ResolveOwner(ctx, a, ref)
			or = ownerRef{id: id, err: err != nil}
			owners[ref] = or
		}
		if or.err {
			it.ownerP = &Problem{Line: it.line, Column: -1, Field: "owner", Key: keyOwner, Value: ref}
		} else {
			it.owner = or.id
		}
	}
	if o.Entity == Customers {
		c := Merge(it.rec, nil)
		c.Normalize()
		it.tokens = search.CustomerTokens(c.Name, "", c.IDNumber, c.Mobile, c.Phone)
	}
}

// writeItems writes a batch; a unique-index conflict that slipped past the
// checks (a concurrent writer, a customer number in the file) splits the
// batch until the row that caused it stands alone and becomes a problem.
func (s *Importer) writeItems(ctx context.Context, a guanxi.Actor, id guanxi.ID, o Options, defs []customer.FieldDef, conv *Converter, items []item, p *Progress, stage bool) error {
	next := *p
	err := s.Store.WriteBatch(ctx, a, id, s.Owner, s.now().Add(s.lease()), func(tx ImportTx) error {
		next = *p
		if ts, ok := tx.(tokenStager); ok && stage {
			ts.DeferTokens()
		}
		return s.writeBatch(ctx, tx, a, o, conv, items, &next, nil)
	})
	if err == nil {
		*p = next
		p.Start = false
		return nil
	}
	var ab *abortRows
	if errors.As(err, &ab) {
		if err := s.Store.AddProblems(ctx, id, s.Owner, ProblemError, ab.rows); err != nil {
			return err
		}
		if err := s.Store.Rollback(ctx, id, s.Owner, errBadRows); err != nil {
			return err
		}
		return errAborted
	}
	if guanxi.KindOf(err) != guanxi.KindConflict {
		return err
	}
	if len(items) > 1 {
		half := len(items) / 2
		if err := s.writeItems(ctx, a, id, o, defs, conv, items[:half], p, stage); err != nil {
			return err
		}
		return s.writeItems(ctx, a, id, o, defs, conv, items[half:], p, stage)
	}
	// One row: store it as a problem instead.
	err = s.Store.WriteBatch(ctx, a, id, s.Owner, s.now().Add(s.lease()), func(tx ImportTx) error {
		next = *p
		if ts, ok := tx.(tokenStager); ok && stage {
			ts.DeferTokens()
		}
		it := items[0]
		bad := map[int]Problem{it.line: {Line: it.line, Column: -1, Key: keyConflict}}
		return s.writeBatch(ctx, tx, a, o, conv, items, &next, bad)
	})
	if err == nil {
		*p = next
		p.Start = false
	}
	return err
}

// pendingUpdate is an existing customer updated (maybe by several rows)
// in this batch.
type pendingUpdate struct {
	before customer.Customer
	after  customer.Customer
	lines  []int
}

// writeBatch decides what each row of the batch does and writes it through
// tx. forced marks rows that must become problems (see writeItems).
func (s *Importer) writeBatch(ctx context.Context, tx ImportTx, a guanxi.Actor, o Options, conv *Converter, items []item, p *Progress, forced map[int]Problem) error {
	var errs, dups []ProblemRow
	problem := func(it *item, ps ...Problem) {
		errs = append(errs, ProblemRow{Line: it.line, Cells: it.row.Cells, Problems: ps})
		p.Bad++
	}
	rowProblem := func(it *item, field, key string, args map[string]any) Problem {
		col := -1
		if field != "" {
			col = conv.ColumnOf(field)
		}
		pr := Problem{Line: it.line, Column: col, Field: field, Key: key, Args: args}
		if col >= 0 && col < len(it.row.Cells) {
			pr.Value = it.row.Cells[col]
			if col < len(conv.header) {
				pr.Header = conv.header[col]
			}
		}
		return pr
	}
	for _, it := range items {
		p.RowsDone++
		p.LastLine = it.line
	}
	if o.Entity != Customers {
		if err := s.writeChildren(ctx, tx, o, items, p, forced, problem, rowProblem); err != nil {
			return err
		}
		return s.finishBatch(ctx, tx, o, errs, dups, p)
	}
	var keys, mobiles, idNos []string
	for i := range items {
		if it := &items[i]; it.good {
			keys = append(keys, it.rec.KeyValue)
			mobiles = append(mobiles, it.rec.Customer.Mobile)
			idNos = append(idNos, it.rec.Customer.IDNumber)
		}
	}
	ex, err := tx.Existing(ctx, o.Key, keys, mobiles, idNos)
	if err != nil {
		return err
	}
	byKey := map[string]*Existing{}
	mobileOf := map[string]guanxi.ID{}
	idNoOf := map[string]guanxi.ID{}
	for i := range ex {
		e := &ex[i]
		if k := KeyOf(&e.Customer, o.Key); k != "" {
			byKey[k] = e
		}
		if e.Customer.Mobile != "" {
			mobileOf[e.Customer.Mobile] = e.Customer.ID
		}
		if e.Customer.IDNumber != "" {
			idNoOf[e.Customer.IDNumber] = e.Customer.ID
		}
	}
	// Unique values claimed in this batch: by a new customer (index into
	// creates, negative id -1-i) or an updated one (its id).
	var creates []*NewCustomer
	createOf := map[string]int{} // key -> index in creates
	updates := map[guanxi.ID]*pendingUpdate{}
	var updateOrder []guanxi.ID
	reviews := map[int]guanxi.ID{} // index in creates -> existing customer
	taken := func(m map[string]guanxi.ID, v string, self guanxi.ID) bool {
		if v == "" {
			return false
		}
		id, ok := m[v]
		return ok && id != self
	}
	checkUnique := func(it *item, c *customer.Customer, self guanxi.ID) bool {
		if taken(mobileOf, c.Mobile, self) {
			problem(it, rowProblem(it, "mobile", keyUnique, map[string]any{"field": "mobile"}))
			return false
		}
		if taken(idNoOf, c.IDNumber, self) {
			problem(it, rowProblem(it, "id_number", keyUnique, map[string]any{"field": "id_number"}))
			return false
		}
		return true
	}
	claim := func(c *customer.Customer, self guanxi.ID) {
		if c.Mobile != "" {
			mobileOf[c.Mobile] = self
		}
		if c.IDNumber != "" {
			idNoOf[c.IDNumber] = self
		}
	}
	for i := range items {
		it := &items[i]
		if !it.good {
			continue
		}
		if fp, ok := forced[it.line]; ok {
			problem(it, fp)
			continue
		}
		if it.ownerP != nil {
			problem(it, *it.ownerP)
			continue
		}
		key := it.rec.KeyValue
		// A later row for a customer this batch creates or updates.
		if key != "" && it.again {
			if ci, ok := createOf[key]; ok {
				nc := creates[ci]
				m, probs := conv.ValidateMerged(it.rec, &nc.Customer, it.row)
				if len(probs) > 0 {
					problem(it, probs...)
					continue
				}
				self := guanxi.ID(-1 - ci)
				if !checkUnique(it, &m, self) {
					continue
				}
				claim(&m, self)
				nc.Customer = m
				nc.Tokens = search.CustomerTokens(m.Name, "", m.IDNumber, m.Mobile, m.Phone)
				p.Updated++
				continue
			}
		}
		e := byKey[key]
		if key == "" {
			e = nil
		}
		if e != nil {
			if pu := updates[e.Customer.ID]; pu != nil {
				m, probs := conv.ValidateMerged(it.rec, &pu.after, it.row)
				if len(probs) > 0 {
					problem(it, probs...)
					continue
				}
				if !checkUnique(it, &m, e.Customer.ID) {
					continue
				}
				claim(&m, e.Customer.ID)
				s.spell(&m, &pu.after)
				pu.after, pu.lines = m, append(pu.lines, it.line)
				p.Updated++
				continue
			}
			switch {
			case !e.InScope:
				problem(it, rowProblem(it, string(o.Key), keyOutOfScope, nil))
				continue
			case e.Deleted:
				problem(it, rowProblem(it, string(o.Key), keyDeleted, nil))
				continue
			}
			update := o.Mode != ModeCreate || o.OnDuplicate == DupUpdate
			if !update && o.OnDuplicate == DupSkip {
				dups = append(dups, ProblemRow{Line: it.line, Cells: it.row.Cells,
					Problems: []Problem{rowProblem(it, string(o.Key), keyExists, map[string]any{"number": e.Customer.Number})}})
				p.Skipped++
				continue
			}
			if update {
				m, probs := conv.ValidateMerged(it.rec, &e.Customer, it.row)
				if len(probs) > 0 {
					problem(it, probs...)
					continue
				}
				if !checkUnique(it, &m, e.Customer.ID) {
					continue
				}
				claim(&m, e.Customer.ID)
				s.spell(&m, &e.Customer)
				updates[e.Customer.ID] = &pendingUpdate{before: e.Customer, after: m, lines: []int{it.line}}
				updateOrder = append(updateOrder, e.Customer.ID)
				p.Updated++
				continue
			}
			// Review: create it beside the existing one, without the
			// unique values the existing customer holds, and queue the pair.
			c, ok := s.newCustomer(it, o, conv, problem)
			if !ok {
				continue
			}
			if c.Mobile != "" && mobileOf[c.Mobile] == e.Customer.ID {
				c.Mobile = ""
			}
			if c.IDNumber != "" && idNoOf[c.IDNumber] == e.Customer.ID {
				c.IDNumber = ""
			}
			if o.Key == KeyNumber {
				c.Number = ""
			}
			self := guanxi.ID(-1 - len(creates))
			if !checkUnique(it, &c, self) {
				continue
			}
			claim(&c, self)
			reviews[len(creates)] = e.Customer.ID
			creates = append(creates, &NewCustomer{Customer: c, Holding: it.rec.Holding,
				Tokens: search.CustomerTokens(c.Name, "", c.IDNumber, c.Mobile, c.Phone)})
			p.Review++
			continue
		}
		if o.Mode == ModeUpdate {
			problem(it, rowProblem(it, string(o.Key), keyNotFound, nil))
			continue
		}
		c, ok := s.newCustomer(it, o, conv, problem)
		if !ok {
			continue
		}
		self := guanxi.ID(-1 - len(creates))
		if !checkUnique(it, &c, self) {
			continue
		}
		claim(&c, self)
		if key != "" {
			createOf[key] = len(creates)
		}
		creates = append(creates, &NewCustomer{Customer: c, Tokens: it.tokens, Holding: it.rec.Holding})
		p.Created++
	}
	if err := tx.CreateCustomers(ctx, creates); err != nil {
		return err
	}
	for ci, exID := range reviews {
		if err := tx.Review(ctx, exID, creates[ci].Customer.ID); err != nil {
			return err
		}
	}
	for _, cid := range updateOrder {
		pu := updates[cid]
		ok, err := tx.UpdateCustomer(ctx, &pu.after, pu.before)
		if err != nil {
			return err
		}
		if !ok {
			// Changed by someone between the lookup and the write (only
			// possible on PostgreSQL): those rows become problems.
			for _, line := range pu.lines {
				errs = append(errs, ProblemRow{Line: line, Problems: []Problem{{Line: line, Column: -1, Key: keyChanged}}})
				p.Bad++
				p.Updated--
			}
		}
	}
	return s.finishBatch(ctx, tx, o, errs, dups, p)
}

// spell refreshes the pinyin of a renamed customer.
func (s *Importer) spell(m, before *customer.Customer) {
	if m.Name != before.Name || m.NamePinyin == "" {
		m.NamePinyin = search.Spell(m.Name)
	}
}

// newCustomer is the customer a row creates, validated in full.
func (s *Importer) newCustomer(it *item, o Options, conv *Converter, problem func(*item, ...Problem)) (customer.Customer, bool) {
	var c customer.Customer
	if o.Mode == ModeCreate {
		c = Merge(it.rec, nil)
		c.Normalize()
	} else {
		var probs []Problem
		if c, probs = conv.ValidateMerged(it.rec, nil, it.row); len(probs) > 0 {
			problem(it, probs...)
			return c, false
		}
	}
	c.OwnerID = it.owner
	if c.NamePinyin == "" {
		c.NamePinyin = search.Spell(c.Name)
	}
	if c.Stage == "" {
		c.Stage = customer.StageProspect
	}
	if c.Kind == "" {
		c.Kind = customer.Person
	}
	return c, true
}

func (s *Importer) writeChildren(ctx context.Context, tx ImportTx, o Options, items []item, p *Progress, forced map[int]Problem,
	problem func(*item, ...Problem), rowProblem func(*item, string, string, map[string]any) Problem) error {
	var keys []string
	for i := range items {
		if items[i].good {
			keys = append(keys, items[i].rec.KeyValue)
		}
	}
	ex, err := tx.Existing(ctx, o.Key, keys, nil, nil)
	if err != nil {
		return err
	}
	byKey := map[string]*Existing{}
	for i := range ex {
		if k := KeyOf(&ex[i].Customer, o.Key); k != "" {
			byKey[k] = &ex[i]
		}
	}
	var children []Child
	for i := range items {
		it := &items[i]
		if !it.good {
			continue
		}
		if fp, ok := forced[it.line]; ok {
			problem(it, fp)
			continue
		}
		e := byKey[it.rec.KeyValue]
		if e == nil || !e.InScope || e.Deleted {
			// Out of scope reads the same as unknown: nothing is revealed.
			problem(it, rowProblem(it, "customer."+string(o.Key), keyNoCustomer, nil))
			continue
		}
		children = append(children, Child{CustomerID: e.Customer.ID, Contact: it.rec.Contact, Holding: it.rec.Holding,
			Transaction: it.rec.Transaction, Interaction: it.rec.Interaction})
		p.Created++
	}
	return tx.CreateChildren(ctx, children)
}

func (s *Importer) finishBatch(ctx context.Context, tx ImportTx, o Options, errs, dups []ProblemRow, p *Progress) error {
	if len(errs) > 0 && o.OnError == ErrorsAbort {
		return &abortRows{rows: errs}
	}
	if len(errs) > 0 {
		if err := tx.Problems(ctx, ProblemError, errs); err != nil {
			return err
		}
	}
	if len(dups) > 0 {
		if err := tx.Problems(ctx, ProblemDuplicate, dups); err != nil {
			return err
		}
	}
	return tx.Progress(ctx, *p)
}
