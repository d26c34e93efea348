package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/search"
)

type demoQueries struct {
	DemoAnyCustomer  string `q:"demo-any-customer"`
	DemoMaxUnit      string `q:"demo-max-unit"`
	DemoMaxUser      string `q:"demo-max-user"`
	DemoUsernames    string `q:"demo-usernames"`
	DemoUnits        string `q:"demo-insert-org-units"`
	DemoUsers        string `q:"demo-insert-users"`
	DemoCustomers    string `q:"demo-insert-customers"`
	DemoTags         string `q:"demo-insert-tags"`
	DemoTokens       string `q:"demo-insert-tokens"`
	DemoContacts     string `q:"demo-insert-contacts"`
	DemoHoldings     string `q:"demo-insert-holdings"`
	DemoTransactions string `q:"demo-insert-transactions"`
	DemoInteractions string `q:"demo-insert-interactions"`
	DemoSequenceSet  string `q:"demo-sequence-set"`
	DemoSyncIDs      string `q:"demo-sync-ids"`
	DemoLoadBegin    string `q:"demo-load-begin"`
	DemoLoadEnd      string `q:"demo-load-end"`
	DemoTokensStage  string `q:"demo-tokens-stage"`
	DemoTokensFlush  string `q:"demo-tokens-flush"`
	DemoTokensDrop   string `q:"demo-tokens-unstage"`
	DemoIndexes      string `q:"demo-indexes"`
	DemoIndexDrop    string `q:"demo-index-drop"`
}

// Bind-parameter ceilings per statement: SQLite's SQLITE_MAX_VARIABLE_NUMBER
// and PostgreSQL's 16-bit parameter count.
const (
	sqliteMaxParams = 32766
	pgMaxParams     = 65535
	// demoRowsPerStmt caps rows per INSERT below the parameter limit: past a
	// few hundred rows, longer statements stop paying off.
	demoRowsPerStmt = 500
	// demoBatch is how many customers go into one transaction.
	demoBatch = 5000
)

// bulkTable is an insert template reduced to its table and columns.
type bulkTable struct {
	name string
	cols []string
	per  int    // rows per multi-row INSERT
	full string // INSERT for per rows
}

var insertRe = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)`)

func newBulkTable(d Dialect, insert string) (*bulkTable, error) {
	m := insertRe.FindStringSubmatch(insert)
	if m == nil {
		return nil, fmt.Errorf("sqlstore: not an insert template: %.40q", insert)
	}
	t := &bulkTable{name: m[1]}
	for _, c := range strings.Split(m[2], ",") {
		t.cols = append(t.cols, strings.TrimSpace(c))
	}
	limit := sqliteMaxParams
	if d == Postgres {
		limit = pgMaxParams
	}
	t.per = min(limit/len(t.cols), demoRowsPerStmt)
	t.full = t.sql(t.per)
	return t, nil
}

// sql is a multi-row INSERT of n rows with ? placeholders (SQLite only; on
// PostgreSQL rows are COPYed).
func (t *bulkTable) sql(n int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	var b strings.Builder
	b.Grow(40 + len(t.cols)*12 + n*(len(tuple)+1))
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// bulkWriter writes rows inside one transaction.
type bulkWriter interface {
	insert(ctx context.Context, t *bulkTable, rows [][]any) error
}

type sqliteBulk struct {
	tx    *sqlx.Tx
	stmts map[*bulkTable]*sqlx.Stmt
	args  []any
}

func (b *sqliteBulk) insert(ctx context.Context, t *bulkTable, rows [][]any) error {
	for len(rows) > 0 {
		k := min(t.per, len(rows))
		b.args = b.args[:0]
		for _, r := range rows[:k] {
			b.args = append(b.args, r...)
		}
		var err error
		if k == t.per {
			st := b.stmts[t]
			if st == nil {
				if st, err = b.tx.PreparexContext(ctx, t.full); err != nil {
					return err
				}
				b.stmts[t] = st
			}
			_, err = st.ExecContext(ctx, b.args...)
		} else {
			_, err = b.tx.ExecContext(ctx, t.sql(k), b.args...)
		}
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		rows = rows[k:]
	}
	return nil
}

type pgBulk struct{ tx pgx.Tx }

func (b pgBulk) insert(ctx context.Context, t *bulkTable, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := b.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy %s: %w", t.name, err)
	}
	return nil
}

// bulkTx runs fn in one write transaction with a bulk writer: multi-row
// INSERTs on SQLite's writer, COPY on a pgx transaction on PostgreSQL.
func (s *Store) bulkTx(ctx context.Context, fn func(bulkWriter) error) error {
	if s.dialect == Postgres {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return guanxi.Internal(fmt.Errorf("begin: %w", err))
		}
		defer tx.Rollback(ctx)
		if err := fn(pgBulk{tx}); err != nil {
			return wrap(err)
		}
		if err := tx.Commit(ctx); err != nil {
			return guanxi.Internal(fmt.Errorf("commit: %w", err))
		}
		return nil
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		b := &sqliteBulk{tx: tx, stmts: map[*bulkTable]*sqlx.Stmt{}}
		defer func() {
			for _, st := range b.stmts {
				st.Close()
			}
		}()
		return wrap(fn(b))
	})
}

// demoTables are the parsed insert templates of one load.
type demoTables struct {
	units, users, customers, tags, tokens, contacts, holdings, txns, interactions *bulkTable
}

func (s *Store) demoTables(q demoQueries) (demoTables, error) {
	var t demoTables
	for _, x := range []struct {
		dst **bulkTable
		sql string
	}{{&t.units, q.DemoUnits}, {&t.users, q.DemoUsers}, {&t.customers, q.DemoCustomers}, {&t.tags, q.DemoTags},
		{&t.tokens, q.DemoTokens}, {&t.contacts, q.DemoContacts}, {&t.holdings, q.DemoHoldings},
		{&t.txns, q.DemoTransactions}, {&t.interactions, q.DemoInteractions}} {
		bt, err := newBulkTable(s.dialect, x.sql)
		if err != nil {
			return t, err
		}
		*x.dst = bt
	}
	return t, nil
}

// nullable turns a nil pointer into an untyped nil for both drivers.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// LoadDemo fills an empty database with g's org tree, staff (every account
// gets passwordHash) and customers, in transactions of demoBatch customers,
// and writes one audit row for the whole load. It refuses with
// Conflict("demo.not_empty") when any customer exists, deleted or not.
//
// Ids come from the generator (org units and users shifted past existing
// rows, clashing usernames get a digit), so rows are written in bulk without
// RETURNING; afterwards the identity sequences and the customer_number
// sequence continue after them. For speed the secondary indexes of the
// customer tables are dropped for the load and rebuilt at the end, and on
// SQLite search tokens are staged and moved in key order at the end: run it
// before serving, not next to live writers. A load that fails half way
// leaves its committed batches (and the indexes) behind; start again from an
// empty database. progress, when set, is called after each committed batch.
func (s *Store) LoadDemo(ctx context.Context, g *demo.Generator, passwordHash string, progress func(done, total int)) error {
	q := s.q.demoQueries
	tabs, err := s.demoTables(q)
	if err != nil {
		return guanxi.Internal(err)
	}
	var exists int
	if err := s.w.GetContext(ctx, &exists, q.DemoAnyCustomer); err != nil {
		return wrap(err)
	}
	if exists > 0 {
		return guanxi.Conflict("demo.not_empty", nil)
	}
	var unitOff, userOff guanxi.ID
	var taken []string
	if err := s.w.GetContext(ctx, &unitOff, q.DemoMaxUnit); err != nil {
		return wrap(err)
	}
	if err := s.w.GetContext(ctx, &userOff, q.DemoMaxUser); err != nil {
		return wrap(err)
	}
	if err := s.w.SelectContext(ctx, &taken, q.DemoUsernames); err != nil {
		return wrap(err)
	}

	if _, err := s.w.ExecContext(ctx, q.DemoLoadBegin); err != nil {
		return wrap(err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), q.DemoLoadEnd)
	if _, err := s.w.ExecContext(ctx, q.DemoTokensStage); err != nil {
		return wrap(err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), q.DemoTokensDrop)
	var indexes []struct {
		Name string `db:"name"`
		SQL  string `db:"sql"`
	}
	if err := s.w.SelectContext(ctx, &indexes, q.DemoIndexes); err != nil {
		return wrap(err)
	}
	for _, ix := range indexes {
		drop := strings.Replace(q.DemoIndexDrop, "{index}", `"`+strings.ReplaceAll(ix.Name, `"`, `""`)+`"`, 1)
		if _, err := s.w.ExecContext(ctx, drop); err != nil {
			return wrap(err)
		}
	}
	restored := false
	defer func() {
		// A failed load still leaves the schema whole.
		if !restored {
			for _, ix := range indexes {
				s.w.ExecContext(context.WithoutCancel(ctx), ix.SQL)
			}
		}
	}()

	// Org units and staff.
	units, users := g.Org(), g.Staff()
	err = s.bulkTx(ctx, func(b bulkWriter) error {
		paths := map[guanxi.ID]string{}
		rows := make([][]any, 0, len(units))
		for _, u := range units {
			id := u.ID + unitOff
			var parent any
			path := "/"
			if u.ParentID != nil {
				parent = *u.ParentID + unitOff
				path = paths[*u.ParentID+unitOff]
			}
			path += fmt.Sprint(id) + "/"
			paths[id] = path
			rows = append(rows, []any{id, parent, u.Name, string(u.Kind), path, int64(1), u.CreatedAt, u.UpdatedAt})
		}
		if err := b.insert(ctx, tabs.units, rows); err != nil {
			return err
		}
		used := map[string]bool{}
		for _, n := range taken {
			used[n] = true
		}
		rows = rows[:0]
		for _, u := range users {
			name := u.Username
			for k := 2; used[name]; k++ {
				name = fmt.Sprintf("%s%d", u.Username, k)
			}
			used[name] = true
			rows = append(rows, []any{u.ID + userOff, name, u.Name, u.Email, string(u.Role), u.OrgUnitID + unitOff,
				passwordHash, u.PasswordChangedAt, int64(b2i(u.MustChangePassword)), int64(b2i(u.Disabled)), u.Lang,
				int64(1), u.CreatedAt, u.UpdatedAt})
		}
		return b.insert(ctx, tabs.users, rows)
	})
	if err != nil {
		return err
	}

	// Customers in batches, one transaction each. A producer goroutine
	// generates the next batch and its search tokens while this one writes,
	// so generation and the database use both cores.
	if progress != nil {
		progress(0, g.N)
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *demoRows, 1)
	genErr := make(chan error, 1)
	go func() {
		defer close(batches)
		genErr <- g.Customers(demoBatch, func(batch []demo.Bundle) error {
			rows := &demoRows{n: len(batch), tokensJSON: tabs.tokens.cols[0] == "customer_id", s: s}
			for i := range batch {
				rows.add(&batch[i], userOff)
			}
			if !rows.tokensJSON {
				// Tokens that go straight into the index (PostgreSQL) touch
				// each page once when they arrive in key order.
				slices.SortFunc(rows.tokens, func(a, b []any) int {
					if c := strings.Compare(a[0].(string), b[0].(string)); c != 0 {
						return c
					}
					return int(a[1].(guanxi.ID) - b[1].(guanxi.ID))
				})
			}
			select {
			case batches <- rows:
				return nil
			case <-pctx.Done():
				return pctx.Err()
			}
		})
	}()
	done := 0
	for rows := range batches {
		err := s.bulkTx(ctx, func(b bulkWriter) error {
			for _, x := range []struct {
				t    *bulkTable
				rows [][]any
			}{{tabs.customers, rows.customers}, {tabs.tags, rows.tags}, {tabs.tokens, rows.tokens},
				{tabs.contacts, rows.contacts}, {tabs.holdings, rows.holdings}, {tabs.txns, rows.txns},
				{tabs.interactions, rows.interactions}} {
				if err := b.insert(ctx, x.t, x.rows); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			cancel()
			for range batches {
			}
			return err
		}
		done += rows.n
		if progress != nil {
			progress(done, g.N)
		}
	}
	if err := <-genErr; err != nil {
		return wrap(err)
	}

	// Let normal inserts continue after the demo rows, and audit the load.
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q.DemoSequenceSet, "customer_number", int64(g.N)); err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, q.DemoTokensFlush); err != nil {
			return wrap(err)
		}
		for _, ix := range indexes {
			if _, err := tx.ExecContext(ctx, ix.SQL); err != nil {
				return wrap(fmt.Errorf("re-create index %s: %w", ix.Name, err))
			}
		}
		if _, err := tx.ExecContext(ctx, q.DemoSyncIDs); err != nil {
			return wrap(err)
		}
		e := audit.New(guanxi.Actor{Username: "demo", System: true}, audit.ActionCreate, "demo", 0,
			map[string]any{"seed": g.Seed, "customers": g.N, "staff": len(users), "org_units": len(units)})
		return s.appendAudit(ctx, tx, e)
	})
	restored = err == nil
	return err
}

// demoRows are one batch's rows per table.
type demoRows struct {
	n int
	// tokensJSON stages one JSON array of tokens per customer (SQLite)
	// instead of one row per token.
	tokensJSON                                                      bool
	s                                                               *Store // seals ID numbers and blinds their tokens
	customers, tags, tokens, contacts, holdings, txns, interactions [][]any
}

func (r *demoRows) add(b *demo.Bundle, userOff guanxi.ID) {
	c := &b.Customer
	owner := c.OwnerID + userOff
	var createdBy any
	if c.CreatedBy != nil {
		createdBy = *c.CreatedBy + userOff
	}
	idSealed, idExact, idKey := r.s.idColumns(c.IDNumber)
	r.customers = append(r.customers, []any{c.ID, c.Number, string(c.Kind), c.Name, c.NamePinyin, c.Gender,
		c.Birthday, int64(b2i(c.LunarBirthday)), string(c.IDType), idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat,
		c.Province, c.City, c.District, c.Address, string(c.Market), c.Industry, c.Source, string(c.Stage), c.Grade,
		jsonText(c.Custom), jsonText(c.Consent), c.Notes, owner, createdBy, c.CreatedAt, c.UpdatedAt,
		nullable(c.LastContactAt), int64(1)})
	for _, t := range c.Tags {
		r.tags = append(r.tags, []any{t, c.ID})
	}
	toks := r.s.blindTokens(search.CustomerTokens(c.Name, c.Number, c.IDNumber, c.Mobile, c.Phone))
	if r.tokensJSON {
		if len(toks) > 0 {
			r.tokens = append(r.tokens, []any{c.ID, jsonText(toks)})
		}
	} else {
		for _, t := range toks {
			r.tokens = append(r.tokens, []any{t, c.ID})
		}
	}
	for _, ct := range b.Contacts {
		r.contacts = append(r.contacts, []any{ct.ID, ct.CustomerID, ct.Name, ct.Title, ct.Mobile, ct.Phone, ct.Email,
			ct.WeChat, int64(b2i(ct.IsPrimary)), ct.Notes, int64(1), ct.CreatedAt, ct.UpdatedAt})
	}
	for _, h := range b.Holdings {
		r.holdings = append(r.holdings, []any{h.ID, h.CustomerID, string(h.Kind), h.Name, h.Reference, h.Model,
			h.AmountMinor, h.BalanceMinor, h.Currency, h.OpenedOn, h.DueOn, h.Status, jsonText(h.Attrs), int64(1),
			h.CreatedAt, h.UpdatedAt})
	}
	for _, t := range b.Transactions {
		var by any
		if t.CreatedBy != nil {
			by = *t.CreatedBy + userOff
		}
		r.txns = append(r.txns, []any{t.ID, t.CustomerID, nullable(t.HoldingID), t.Kind, t.AmountMinor, t.Currency,
			t.OccurredAt, t.Description, by, t.CreatedAt, int64(1)})
	}
	for _, in := range b.Interactions {
		var staff any
		if in.StaffID != nil {
			staff = *in.StaffID + userOff
		}
		r.interactions = append(r.interactions, []any{in.ID, in.CustomerID, in.Channel, in.Direction, in.OccurredAt,
			in.Summary, in.Outcome, in.NextAction, in.NextActionOn, staff, int64(1), in.CreatedAt})
	}
}
