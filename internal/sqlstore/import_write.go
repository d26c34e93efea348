package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// pgConnBulk COPYs through the pgx connection under an open database/sql
// transaction, so COPY, ordinary statements and the audit rows of a batch
// commit together.
type pgConnBulk struct{ conn *sqlx.Conn }

func (b pgConnBulk) insert(ctx context.Context, t *bulkTable, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy %s: driver connection is %T", t.name, dc)
		}
		if _, err := c.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		return nil
	})
}

// importTx runs fn in one write transaction with a bulk writer on the same
// transaction (multi-row INSERTs on SQLite, COPY on PostgreSQL).
func (s *Store) importTx(ctx context.Context, fn func(tx *sqlx.Tx, b bulkWriter) error) (err error) {
	if s.dialect != Postgres {
		return s.tx(ctx, func(tx *sqlx.Tx) error {
			b := &sqliteBulk{tx: tx, stmts: map[*bulkTable]*sqlx.Stmt{}}
			defer func() {
				for _, st := range b.stmts {
					st.Close()
				}
			}()
			return fn(tx, b)
		})
	}
	conn, err := s.w.Connx(ctx)
	if err != nil {
		return guanxi.Internal(fmt.Errorf("connect: %w", err))
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return guanxi.Internal(fmt.Errorf("begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = guanxi.Internal(fmt.Errorf("commit: %w", cerr))
		}
	}()
	return fn(tx, pgConnBulk{conn})
}

// importTables are the parsed insert templates of the batch writer.
type importTables struct {
	customers, tags, tokens, staged, contacts, holdings, txns, interactions, changes, problems *bulkTable
}

func (s *Store) importTables() (importTables, error) {
	var t importTables
	for _, x := range []struct {
		dst **bulkTable
		sql string
	}{{&t.customers, s.q.ImportInsCustomers}, {&t.tags, s.q.ImportInsTags}, {&t.tokens, s.q.ImportInsTokens}, {&t.staged, s.q.ImportInsStaged},
		// Children have the demo loader's column lists (interactions differ:
		// an import may carry their purpose).
		{&t.contacts, s.q.DemoContacts}, {&t.holdings, s.q.DemoHoldings}, {&t.txns, s.q.DemoTransactions},
		{&t.interactions, s.q.ImportInsInter}, {&t.changes, s.q.ImportInsChanges}, {&t.problems, s.q.ImportInsProblems}} {
		bt, err := newBulkTable(s.dialect, x.sql)
		if err != nil {
			return t, err
		}
		*x.dst = bt
	}
	return t, nil
}

// WriteBatch runs one pass-2 batch in a transaction that first renews the
// lease (and, on PostgreSQL, locks the import row until commit, so a claim
// by another instance waits and then finds the lease renewed).
func (s *Store) WriteBatch(ctx context.Context, a guanxi.Actor, id guanxi.ID, owner string, until time.Time, fn func(bulk.ImportTx) error) error {
	tabs, err := s.importTables()
	if err != nil {
		return guanxi.Internal(err)
	}
	return s.importTx(ctx, func(tx *sqlx.Tx, b bulkWriter) error {
		// A batch touches index pages all over their key space; a larger
		// page cache on the writer saves re-reading them (SQLite only).
		if _, err := tx.ExecContext(ctx, s.q.ImportCache); err != nil {
			return wrap(err)
		}
		res, err := tx.ExecContext(ctx, s.rebind("UPDATE imports SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running' AND phase = 'write'"),
			until.UTC(), id, owner)
		if err := leaseLost(res, err); err != nil {
			return err
		}
		w := &importWriter{s: s, tx: tx, b: b, a: a, id: id, tabs: tabs, now: s.nowUTC()}
		return fn(w)
	})
}

// importWriter is bulk.ImportTx over one transaction.
type importWriter struct {
	s    *Store
	tx   *sqlx.Tx
	b    bulkWriter
	a    guanxi.Actor
	id   guanxi.ID
	tabs importTables
	now  time.Time
	// stage: this batch stages new customers' search tokens in
	// import_tokens instead of writing them (see DeferTokens).
	stage bool
}

// DeferTokens makes the batch stage its new customers' search tokens (one
// row per customer) for FlushTokens to move once the import has written
// every row: a large import then writes the token index in key order, in a
// few transactions, instead of 43 random-key inserts per customer. Its
// customers are not found by search until then. SQLite only: on PostgreSQL
// each batch's sorted COPY was faster (20,000 rows: 5.5 s of server CPU
// against 8.9 s deferred), so the tokens go in with each batch there.
func (w *importWriter) DeferTokens() { w.stage = w.s.dialect != Postgres }

// FlushTokens moves the staged search tokens of up to n customers into
// customer_tokens and deletes their staged rows, in this transaction; it
// reports false when nothing was left.
func (w *importWriter) FlushTokens(ctx context.Context, n int) (bool, error) {
	var upto sql.NullInt64
	if err := w.tx.GetContext(ctx, &upto, withLimit(w.s.q.ImportTokensUpTo, n), w.id); err != nil {
		return false, wrap(err)
	}
	if !upto.Valid {
		return false, nil
	}
	if _, err := w.tx.ExecContext(ctx, w.s.q.ImportTokensFlush, w.id, upto.Int64); err != nil {
		return false, wrap(err)
	}
	if _, err := w.tx.ExecContext(ctx, w.s.q.ImportTokensUnstage, w.id, upto.Int64); err != nil {
		return false, wrap(err)
	}
	return true, nil
}

// An ID number is looked up by its blind index (the number is sealed).
var keyColumns = map[bulk.Key]string{bulk.KeyNumber: "number", bulk.KeyIDNumber: "id_number_bidx", bulk.KeyMobile: "mobile"}

// existingRow is what a batch needs of a customer holding one of its
// mobiles or ID numbers but not its key: enough for the uniqueness checks.
type existingRow struct {
	ID        guanxi.ID  `db:"id"`
	Number    string     `db:"number"`
	Mobile    string     `db:"mobile"`
	IDNumber  string     `db:"id_number"`
	DeletedAt *time.Time `db:"deleted_at"`
}

// Existing loads the customers the batch's keys and unique values point at:
// in full those the key finds (an update merges into them), the columns of
// the uniqueness checks for the others. mobile and id_number have partial
// indexes (non-empty values only): the lookups repeat that condition, or neither
// engine uses the index and every batch scans the table.
func (w *importWriter) Existing(ctx context.Context, k bulk.Key, keys, mobiles, idNumbers []string) ([]bulk.Existing, error) {
	byID := map[guanxi.ID]*bulk.Existing{}
	var order []guanxi.ID
	add := func(e bulk.Existing) {
		if byID[e.Customer.ID] == nil {
			byID[e.Customer.ID] = &e
			order = append(order, e.Customer.ID)
		}
	}
	keyCol := keyColumns[k]
	for i, q := range []struct {
		col  string
		vals []string
	}{{keyCol, keys}, {"mobile", mobiles}, {"id_number_bidx", idNumbers}} {
		if q.col == "" || (i > 0 && q.col == keyCol) {
			continue // the key column was looked up first
		}
		cond := ""
		if q.col != "number" {
			cond = " AND c." + q.col + " <> ''"
		}
		for vals := distinctNonEmpty(q.vals); len(vals) > 0; {
			n := min(len(vals), 2000)
			args := make([]any, n)
			for i, v := range vals[:n] {
				args[i] = v
				if q.col == "id_number_bidx" {
					args[i] = w.s.idBlind(v)
				}
			}
			vals = vals[n:]
			where := " WHERE c." + q.col + " IN (" + placeholders(n) + ")" + cond
			if i == 0 {
				var rows []customerRow
				if err := w.tx.SelectContext(ctx, &rows, w.s.rebind(w.s.rawColumns()+where), args...); err != nil {
					return nil, wrap(err)
				}
				for _, r := range rows {
					c, err := r.decode()
					if err == nil {
						c.IDNumber, err = w.s.openID(c.IDNumber)
					}
					if err != nil {
						return nil, guanxi.Internal(err)
					}
					add(bulk.Existing{Customer: c, Deleted: c.DeletedAt != nil})
				}
				continue
			}
			var rows []existingRow
			if err := w.tx.SelectContext(ctx, &rows, w.s.rebind(w.s.q.ImportExisting+where), args...); err != nil {
				return nil, wrap(err)
			}
			for _, r := range rows {
				var err error
				if r.IDNumber, err = w.s.openID(r.IDNumber); err != nil {
					return nil, guanxi.Internal(err)
				}
				add(bulk.Existing{Customer: customer.Customer{ID: r.ID, Number: r.Number, Mobile: r.Mobile,
					IDNumber: r.IDNumber, DeletedAt: r.DeletedAt}, Deleted: r.DeletedAt != nil})
			}
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	// Which of them the importing user may see, in SQL like every read.
	pred, pargs := scopeSQL(w.a, "c")
	for rest := order; len(rest) > 0; {
		n := min(len(rest), 2000)
		args := make([]any, 0, n+len(pargs))
		for _, id := range rest[:n] {
			args = append(args, id)
		}
		args = append(args, pargs...)
		var ids []guanxi.ID
		text := w.s.rebind("SELECT c.id FROM customers c WHERE c.id IN (" + placeholders(n) + ") AND " + pred)
		if err := w.tx.SelectContext(ctx, &ids, text, args...); err != nil {
			return nil, wrap(err)
		}
		for _, id := range ids {
			byID[id].InScope = true
		}
		rest = rest[n:]
	}
	out := make([]bulk.Existing, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

func distinctNonEmpty(vals []string) []string {
	seen := make(map[string]bool, len(vals))
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// newIDs reserves n ids of table under the write transaction.
func (w *importWriter) newIDs(ctx context.Context, table string, n int) ([]guanxi.ID, error) {
	if n == 0 {
		return nil, nil
	}
	var ids []guanxi.ID
	q := strings.ReplaceAll(w.s.q.ImportIDs, "{table}", table)
	if err := w.tx.SelectContext(ctx, &ids, q, n); err != nil {
		return nil, wrap(err)
	}
	if len(ids) != n {
		return nil, guanxi.Internal(fmt.Errorf("reserved %d of %d %s ids", len(ids), n, table))
	}
	return ids, nil
}

// numbers allocates n customer numbers from the sequence CreateCustomer
// uses, in one step.
func (w *importWriter) numbers(ctx context.Context, n int) ([]string, error) {
	var last int64
	err := w.tx.GetContext(ctx, &last, w.s.q.ImportSequenceAdd, n, "customer_number")
	if err != nil && isNoRows(err) {
		last = int64(n)
		_, err = w.tx.ExecContext(ctx, w.s.q.ImportSequenceInit, "customer_number", last)
	}
	if err != nil {
		return nil, wrap(err)
	}
	prefix := w.s.settingTx(ctx, w.tx, "customer.number_prefix", "KH")
	digits := 8
	if d := w.s.settingTx(ctx, w.tx, "customer.number_digits", "8"); d != "" {
		fmt.Sscan(d, &digits)
	}
	if digits < 1 || digits > 18 {
		digits = 8
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%0*d", prefix, digits, last-int64(n)+1+int64(i))
	}
	return out, nil
}

type tokenRow struct {
	tok string
	id  guanxi.ID
}

// CreateCustomers writes a batch of new customers in bulk.
func (w *importWriter) CreateCustomers(ctx context.Context, cs []*bulk.NewCustomer) error {
	if len(cs) == 0 {
		return nil
	}
	ids, err := w.newIDs(ctx, "customers", len(cs))
	if err != nil {
		return err
	}
	nums, err := w.numbers(ctx, len(cs))
	if err != nil {
		return err
	}
	nh := 0
	for _, nc := range cs {
		if nc.Holding != nil {
			nh++
		}
	}
	hids, err := w.newIDs(ctx, "holdings", nh)
	if err != nil {
		return err
	}
	var by any
	if w.a.UserID != 0 {
		by = w.a.UserID
	}
	custs := make([][]any, 0, len(cs))
	var tags, holdings [][]any
	changes := make([][]any, 0, len(cs)+nh)
	var toks []tokenRow
	var staged [][]any
	if w.stage {
		staged = make([][]any, 0, len(cs))
	} else {
		toks = make([]tokenRow, 0, len(cs)*40)
	}
	for i, nc := range cs {
		c := &nc.Customer
		nc.Tokens = w.s.blindTokens(nc.Tokens)
		c.ID, c.Number, c.CreatedAt, c.UpdatedAt, c.Version = ids[i], nums[i], w.now, w.now, 1
		if w.a.UserID != 0 {
			u := w.a.UserID
			c.CreatedBy = &u
		}
		idSealed, idExact, idKey := w.s.idColumns(c.IDNumber)
		custs = append(custs, []any{c.ID, c.Number, string(c.Kind), c.Name, c.NamePinyin, c.Gender,
			c.Birthday, int64(b2i(c.LunarBirthday)), string(c.IDType), idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat,
			c.Province, c.City, c.District, c.Address, string(c.Market), c.Industry, c.Source, string(c.Stage), c.Grade,
			jsonText(c.Custom), jsonText(c.Consent), c.Notes, c.OwnerID, by, w.now, w.now, int64(1)})
		for _, t := range c.Tags {
			tags = append(tags, []any{t, c.ID})
		}
		numTok := search.KindNumber + strings.ToUpper(c.Number)
		if w.stage {
			ts := nc.Tokens
			if !slices.Contains(ts, numTok) {
				ts = append(ts[:len(ts):len(ts)], numTok)
			}
			staged = append(staged, []any{w.id, c.ID, mustJSON(ts)})
		} else {
			has := false
			for _, t := range nc.Tokens {
				toks = append(toks, tokenRow{t, c.ID})
				has = has || t == numTok
			}
			if !has {
				toks = append(toks, tokenRow{numTok, c.ID})
			}
		}
		changes = append(changes, []any{w.id, c.ID, "customer", c.ID, "create", nil, int64(1), int64(0)})
	}
	k := 0
	for _, nc := range cs {
		if h := nc.Holding; h != nil {
			h.ID, h.CustomerID, h.Version, h.CreatedAt, h.UpdatedAt = hids[k], nc.Customer.ID, 1, w.now, w.now
			k++
			holdings = append(holdings, holdingArgs(h))
			changes = append(changes, []any{w.id, h.CustomerID, "holding", h.ID, "create", nil, int64(1), int64(0)})
		}
	}
	for _, x := range []struct {
		t    *bulkTable
		rows [][]any
	}{{w.tabs.customers, custs}, {w.tabs.tags, tags}, {w.tabs.holdings, holdings}, {w.tabs.changes, changes}} {
		if err := w.b.insert(ctx, x.t, x.rows); err != nil {
			return uniqueConflict(err)
		}
	}
	created := make([]*customer.Customer, len(cs))
	for i, nc := range cs {
		created[i] = &nc.Customer
	}
	if err := w.s.appendConsentCreatedTx(ctx, w.tx, w.a, created, consent.SourceImport); err != nil {
		return err
	}
	if w.stage {
		return wrap(w.b.insert(ctx, w.tabs.staged, staged))
	}
	return w.insertTokens(ctx, toks)
}

// insertTokens writes a batch's search tokens in key order, so each index
// page is touched once per batch (COPY on PostgreSQL): the path of small
// imports. Staging them and moving them with INSERT … SELECT in every batch
// was measured slower (8.3 s against about 6 s of CPU per 100k customers);
// large imports stage them and move them once at the end (DeferTokens).
func (w *importWriter) insertTokens(ctx context.Context, toks []tokenRow) error {
	slices.SortFunc(toks, func(a, b tokenRow) int {
		if c := strings.Compare(a.tok, b.tok); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	rows := make([][]any, len(toks))
	for i, t := range toks {
		rows[i] = []any{t.tok, t.id}
	}
	return wrap(w.b.insert(ctx, w.tabs.tokens, rows))
}

func holdingArgs(h *customer.Holding) []any {
	cur := h.Currency
	if cur == "" {
		cur = "CNY"
	}
	return []any{h.ID, h.CustomerID, string(h.Kind), h.Name, h.Reference, h.Model, h.AmountMinor, h.BalanceMinor,
		cur, h.OpenedOn, h.DueOn, h.Status, jsonText(h.Attrs), int64(1), h.CreatedAt, h.UpdatedAt}
}

// UpdateCustomer writes c over before at before's version.
func (w *importWriter) UpdateCustomer(ctx context.Context, c *customer.Customer, before customer.Customer) (bool, error) {
	idSealed, idExact, idKey := w.s.idColumns(c.IDNumber)
	res, err := w.tx.ExecContext(ctx, w.s.q.CustomerUpdate, c.Kind, c.Name, c.NamePinyin, c.Gender, c.Birthday,
		b2i(c.LunarBirthday), c.IDType, idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat, c.Province,
		c.City, c.District, c.Address, c.Market, c.Industry, c.Source, c.Stage, c.Grade,
		jsonText(c.Custom), jsonText(c.Consent), c.Notes, w.now, c.ID, before.Version)
	if err != nil {
		return false, uniqueConflict(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	c.Version, c.UpdatedAt = before.Version+1, w.now
	if err := w.s.writeTagsAndTokens(ctx, w.tx, c, true); err != nil {
		return false, err
	}
	// Written directly now: tokens staged when this import created it
	// would be stale.
	if _, err := w.tx.ExecContext(ctx, w.s.q.ImportTokensDropOne, w.id, c.ID); err != nil {
		return false, wrap(err)
	}
	// A customer this import already created or updated keeps its first
	// record (the state before the import); only the version it left moves,
	// so an undo still finds it unchanged by others.
	res, err = w.tx.ExecContext(ctx, w.s.rebind(`UPDATE import_changes SET after_version = ?
		WHERE customer_id = ? AND import_id = ? AND object_type = 'customer'`), c.Version, c.ID, w.id)
	if err != nil {
		return false, wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := w.b.insert(ctx, w.tabs.changes, [][]any{{w.id, c.ID, "customer", c.ID, "update", w.s.keys.Seal(mustJSON(before), colBeforeImage), c.Version, int64(0)}}); err != nil {
			return false, wrap(err)
		}
	}
	// The customer's history shows the update as made by this import.
	diff := customer.Diff(before, *c)
	if err := w.s.appendConsentDiffTx(consent.WithSource(ctx, consent.SourceImport), w.tx, w.a, c.ID, diff); err != nil {
		return false, err
	}
	return true, w.s.appendAudit(ctx, w.tx, audit.New(w.a, audit.ActionUpdate, importObject, w.id,
		map[string]any{"import_id": w.id, "changes": diff}).ForCustomer(c.ID))
}

// CreateChildren writes contacts, holdings, transactions and interactions.
func (w *importWriter) CreateChildren(ctx context.Context, cs []bulk.Child) error {
	var nContacts, nHoldings, nTxns, nInter int
	for _, ch := range cs {
		switch {
		case ch.Contact != nil:
			nContacts++
		case ch.Holding != nil:
			nHoldings++
		case ch.Transaction != nil:
			nTxns++
		case ch.Interaction != nil:
			nInter++
		}
	}
	var ids [4][]guanxi.ID
	for i, x := range []struct {
		table string
		n     int
	}{{"contacts", nContacts}, {"holdings", nHoldings}, {"transactions", nTxns}, {"interactions", nInter}} {
		var err error
		if ids[i], err = w.newIDs(ctx, x.table, x.n); err != nil {
			return err
		}
	}
	var contacts, holdings, txns, inter, changes [][]any
	var by any
	if w.a.UserID != 0 {
		by = w.a.UserID
	}
	var k [4]int
	for _, ch := range cs {
		switch {
		case ch.Contact != nil:
			ct := ch.Contact
			ct.ID, ct.CustomerID, ct.Version, ct.CreatedAt, ct.UpdatedAt = ids[0][k[0]], ch.CustomerID, 1, w.now, w.now
			k[0]++
			contacts = append(contacts, []any{ct.ID, ct.CustomerID, ct.Name, ct.Title, ct.Mobile, ct.Phone, ct.Email,
				ct.WeChat, int64(b2i(ct.IsPrimary)), ct.Notes, int64(1), w.now, w.now})
			changes = append(changes, []any{w.id, ct.CustomerID, "contact", ct.ID, "create", nil, int64(1), int64(0)})
		case ch.Holding != nil:
			h := ch.Holding
			h.ID, h.CustomerID, h.Version, h.CreatedAt, h.UpdatedAt = ids[1][k[1]], ch.CustomerID, 1, w.now, w.now
			k[1]++
			holdings = append(holdings, holdingArgs(h))
			changes = append(changes, []any{w.id, h.CustomerID, "holding", h.ID, "create", nil, int64(1), int64(0)})
		case ch.Transaction != nil:
			t := ch.Transaction
			t.ID, t.CustomerID, t.Version, t.CreatedAt = ids[2][k[2]], ch.CustomerID, 1, w.now
			k[2]++
			cur := t.Currency
			if cur == "" {
				cur = "CNY"
			}
			txns = append(txns, []any{t.ID, t.CustomerID, nullable(t.HoldingID), t.Kind, t.AmountMinor, cur,
				t.OccurredAt.UTC(), t.Description, by, w.now, int64(1)})
			changes = append(changes, []any{w.id, t.CustomerID, "transaction", t.ID, "create", nil, int64(1), int64(0)})
		case ch.Interaction != nil:
			in := ch.Interaction
			in.ID, in.CustomerID, in.Version, in.CreatedAt = ids[3][k[3]], ch.CustomerID, 1, w.now
			k[3]++
			dir := in.Direction
			if dir == "" {
				dir = "out"
			}
			staff := any(nil)
			if in.StaffID != nil {
				staff = *in.StaffID
			} else {
				staff = by
			}
			inter = append(inter, []any{in.ID, in.CustomerID, in.Channel, dir, in.OccurredAt.UTC(), in.Summary,
				in.Outcome, in.NextAction, in.NextActionOn, in.Purpose, staff, int64(1), w.now})
			changes = append(changes, []any{w.id, in.CustomerID, "interaction", in.ID, "create", nil, int64(1), int64(0)})
		}
	}
	for _, x := range []struct {
		t    *bulkTable
		rows [][]any
	}{{w.tabs.contacts, contacts}, {w.tabs.holdings, holdings}, {w.tabs.txns, txns}, {w.tabs.interactions, inter},
		{w.tabs.changes, changes}} {
		if err := w.b.insert(ctx, x.t, x.rows); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// Review queues (existing, created) for merge review.
func (w *importWriter) Review(ctx context.Context, existing, created guanxi.ID) error {
	a, b := min(existing, created), max(existing, created)
	_, err := w.tx.ExecContext(ctx, w.s.q.ImportReview, a, b, w.id, w.now)
	return wrap(err)
}

// Problems stores rows pass 2 found bad.
func (w *importWriter) Problems(ctx context.Context, kind string, rows []bulk.ProblemRow) error {
	return wrap(w.b.insert(ctx, w.tabs.problems, w.s.problemRows(w.id, kind, rows)))
}

// Progress records the counts after the batch (same transaction).
func (w *importWriter) Progress(ctx context.Context, p bulk.Progress) error {
	if _, err := w.tx.ExecContext(ctx, w.s.q.ImportProgress, p.RowsDone, p.Created, p.Updated, p.Skipped, p.Bad,
		p.Review, p.LastLine, w.id); err != nil {
		return wrap(err)
	}
	if p.Start {
		return w.s.appendAudit(ctx, w.tx, audit.New(w.a, auditImportStart, importObject, w.id, nil))
	}
	return nil
}

func isNoRows(err error) bool {
	return err != nil && errors.Is(err, sql.ErrNoRows)
}
