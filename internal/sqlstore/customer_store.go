package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
)

type customerQueries struct {
	CustomerColumns    string `q:"customer-columns"`
	CustomerInsert     string `q:"customer-insert"`
	CustomerUpdate     string `q:"customer-update"`
	CustomerDuplicates string `q:"customer-duplicates"`
	CustomerSoftDelete string `q:"customer-soft-delete"`
	CustomerRestore    string `q:"customer-restore"`
	CustomerVersion    string `q:"customer-version"`
	CustomerTagsDelete string `q:"customer-tags-delete"`
	CustomerTagInsert  string `q:"customer-tag-insert"`
	CustomerTokensDel  string `q:"customer-tokens-delete"`
	SequenceNext       string `q:"sequence-next"`
	SequenceInit       string `q:"sequence-init"`
	SettingValue       string `q:"setting-value"`
	CustomerSetOwner   string `q:"customer-set-owner"`
	TransferInsert     string `q:"transfer-insert"`
	TransferMoveTasks  string `q:"transfer-move-tasks"`
	TransferList       string `q:"transfer-list"`
	TransferTarget     string `q:"transfer-target"`
	CustomerHistory    string `q:"customer-history"`
	CustomerTouch      string `q:"customer-touch-contact"`
	FieldDefList       string `q:"field-defs"`
	FieldDefInsert     string `q:"field-def-insert"`
	FieldDefUpdate     string `q:"field-def-update"`
	FieldDefVersion    string `q:"field-def-version"`
}

// customerRow adds the JSON columns that the domain type keeps as maps.
type customerRow struct {
	customer.Customer
	CustomJSON  string `db:"custom"`
	ConsentJSON string `db:"consent"`
	// TagsText is the customer's tags joined by commas (tags cannot
	// contain commas), aggregated in the same query.
	TagsText string `db:"tags"`
}

func (r customerRow) decode() (customer.Customer, error) {
	c := r.Customer
	c.Custom = map[string]any{}
	c.Consent = map[string]bool{}
	if err := json.Unmarshal([]byte(r.CustomJSON), &c.Custom); err != nil {
		return c, fmt.Errorf("customer %d custom: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(r.ConsentJSON), &c.Consent); err != nil {
		return c, fmt.Errorf("customer %d consent: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if r.TagsText != "" {
		c.Tags = strings.Split(r.TagsText, ",")
	}
	return c, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "{}"
	}
	return string(b)
}

// customerNumber returns the next customer number, e.g. KH00000123, from the
// sequences row and the number format settings.
func (s *Store) customerNumber(ctx context.Context, tx *sqlx.Tx) (string, error) {
	var n int64
	err := s.txGet(ctx, tx, &n, s.q.SequenceNext, "customer_number")
	if errors.Is(err, sql.ErrNoRows) {
		n = 1
		_, err = tx.ExecContext(ctx, s.q.SequenceInit, "customer_number")
	}
	if err != nil {
		return "", wrap(err)
	}
	prefix := s.settingTx(ctx, tx, "customer.number_prefix", "KH")
	digits, _ := strconv.Atoi(s.settingTx(ctx, tx, "customer.number_digits", "8"))
	if digits < 1 || digits > 18 {
		digits = 8
	}
	return fmt.Sprintf("%s%0*d", prefix, digits, n), nil
}

func (s *Store) settingTx(ctx context.Context, tx *sqlx.Tx, key, def string) string {
	var v string
	if err := s.txGet(ctx, tx, &v, s.q.SettingValue, key); err != nil {
		return def
	}
	return v
}

// duplicateCheck refuses a customer whose ID number or mobile is taken,
// naming the existing customer's number only when a may see it.
func (s *Store) duplicateCheck(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, c *customer.Customer) error {
	var dups []struct {
		ID      guanxi.ID `db:"id"`
		Number  string    `db:"number"`
		IDBlind string    `db:"id_number_bidx"`
		Mobile  string    `db:"mobile"`
	}
	idBlind := s.idBlind(c.IDNumber)
	if err := s.txSelect(ctx, tx, &dups, s.q.CustomerDuplicates, c.ID, idBlind, c.Mobile); err != nil {
		return wrap(err)
	}
	if len(dups) == 0 {
		return nil
	}
	d := dups[0]
	field := "mobile"
	if idBlind != "" && d.IDBlind == idBlind {
		field = "id_number"
	}
	if s.visible(ctx, tx, a, d.ID) {
		return &guanxi.Error{Kind: guanxi.KindConflict, Key: "customer.duplicate",
			Args: map[string]any{"number": d.Number, "id": d.ID}, Fields: []guanxi.FieldError{{Field: field, Key: "customer.duplicate_field"}}}
	}
	return &guanxi.Error{Kind: guanxi.KindConflict, Key: "customer.duplicate_hidden",
		Fields: []guanxi.FieldError{{Field: field, Key: "customer.duplicate_field"}}}
}

// visible reports whether customer id (deleted or not) is in a's scope.
func (s *Store) visible(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) bool {
	pred, args := scopeSQL(a, "c")
	var one int
	err := sqlx.GetContext(ctx, q, &one, s.rebind("SELECT 1 FROM customers c WHERE c.id = ? AND "+pred), append([]any{id}, args...)...)
	return err == nil
}

// inScope loads the version of a live customer in a's scope, or NotFound.
func (s *Store) liveInScope(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (int64, error) {
	pred, args := scopeSQL(a, "c")
	var v int64
	text := s.rebind("SELECT c.version FROM customers c WHERE c.id = ? AND c.deleted_at IS NULL AND " + pred)
	args = append([]any{id}, args...)
	if q == sqlx.QueryerContext(s.r) {
		st, err := s.readStmt(ctx, text)
		if err != nil {
			return 0, wrap(err)
		}
		if err := st.GetContext(ctx, &v, args...); err != nil {
			return 0, s.liveMiss(ctx, q, a, id, err)
		}
		return v, nil
	}
	if err := sqlx.GetContext(ctx, q, &v, text, args...); err != nil {
		return 0, s.liveMiss(ctx, q, a, id, err)
	}
	return v, nil
}

// liveMiss is liveInScope's miss: OutOfScope when customer id exists but
// is not in a's scope (a deleted customer in scope is just not found).
func (s *Store) liveMiss(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID, err error) error {
	if errors.Is(err, sql.ErrNoRows) && s.visible(ctx, q, a, id) {
		return guanxi.NotFound("error.not_found")
	}
	return s.scopeMiss(ctx, q, customerExists, id, err)
}

// customerMiss is GetCustomer's miss (see liveMiss).
func (s *Store) customerMiss(ctx context.Context, a guanxi.Actor, id guanxi.ID) error {
	if s.visible(ctx, s.r, a, id) {
		return guanxi.NotFound("error.not_found")
	}
	return s.scopeMiss(ctx, s.r, customerExists, id, sql.ErrNoRows)
}

func (s *Store) writeTagsAndTokens(ctx context.Context, tx *sqlx.Tx, c *customer.Customer, replace bool) error {
	if replace {
		if _, err := s.txExec(ctx, tx, s.q.CustomerTagsDelete, c.ID); err != nil {
			return wrap(err)
		}
		if _, err := s.txExec(ctx, tx, s.q.CustomerTokensDel, c.ID); err != nil {
			return wrap(err)
		}
	}
	for _, t := range c.Tags {
		if _, err := s.txExec(ctx, tx, s.q.CustomerTagInsert, t, c.ID); err != nil {
			return wrap(err)
		}
	}
	return s.insertTokens(ctx, tx, c.ID, search.CustomerTokens(c.Name, c.Number, c.IDNumber, c.Mobile, c.Phone))
}

// CreateCustomer stores c with the next customer number, its tags and search
// tokens and an audit row, all in one transaction.
func (s *Store) CreateCustomer(ctx context.Context, a guanxi.Actor, c *customer.Customer) error {
	s.prepareWrites(ctx, s.customerWriteQueries())
	run := s.tx
	if s.dialect == SQLite && groupCreates {
		// Shared with concurrent creates (hotpath_group.go), so never
		// interrupted by this caller's cancellation.
		ctx = context.WithoutCancel(ctx)
		run = func(_ context.Context, fn func(*sqlx.Tx) error) error { return s.groupTx(fn) }
	}
	return run(ctx, func(tx *sqlx.Tx) error {
		if err := s.checkOwner(ctx, tx, a, c.OwnerID); err != nil {
			return err
		}
		if err := s.duplicateCheck(ctx, tx, a, c); err != nil {
			return err
		}
		num, err := s.customerNumber(ctx, tx)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		c.Number, c.CreatedAt, c.UpdatedAt, c.Version = num, now, now, 1
		if a.UserID != 0 {
			by := a.UserID
			c.CreatedBy = &by
		}
		idSealed, idExact, idKey := s.idColumns(c.IDNumber)
		err = s.txGet(ctx, tx, &c.ID, s.q.CustomerInsert, c.Number, c.Kind, c.Name, c.NamePinyin, c.Gender,
			c.Birthday, b2i(c.LunarBirthday), c.IDType, idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat,
			c.Province, c.City, c.District, c.Address, c.Market, c.Industry, c.Source, c.Stage, c.Grade,
			jsonText(c.Custom), jsonText(c.Consent), c.Notes, c.OwnerID, c.CreatedBy, now, now)
		if err != nil {
			return uniqueConflict(err)
		}
		if err := s.writeTagsAndTokens(ctx, tx, c, false); err != nil {
			return err
		}
		if err := s.appendConsentCreatedTx(ctx, tx, a, []*customer.Customer{c}, consent.SourceForm); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "customer", c.ID,
			map[string]any{"number": c.Number, "owner_id": c.OwnerID}).ForCustomer(c.ID))
	})
}

// checkOwner verifies that the owner is an active user that a may assign
// customers to (itself, its subtree for managers, anyone for admins).
func (s *Store) checkOwner(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, ownerID guanxi.ID) error {
	var t struct {
		ID       guanxi.ID `db:"id"`
		Name     string    `db:"name"`
		Disabled bool      `db:"disabled"`
		Path     string    `db:"path"`
	}
	err := s.txGet(ctx, tx, &t, s.q.TransferTarget, ownerID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && t.Disabled) {
		return guanxi.Invalid(guanxi.Field("owner_id", "validation.owner"))
	}
	if err != nil {
		return wrap(err)
	}
	switch a.Scope() {
	case guanxi.ScopeAll:
		return nil
	case guanxi.ScopeSubtree:
		if strings.HasPrefix(t.Path, a.OrgPath) {
			return nil
		}
	case guanxi.ScopeOwn:
		if ownerID == a.UserID {
			return nil
		}
	}
	return guanxi.Invalid(guanxi.Field("owner_id", "validation.owner"))
}

// uniqueConflict turns a unique-index violation from a racing insert into a
// neutral conflict; everything else is internal.
func uniqueConflict(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key") {
		return guanxi.Conflict("customer.duplicate_hidden", nil)
	}
	return wrap(err)
}

// GetCustomer returns a customer in a's scope; deleted selects the trash.
func (s *Store) GetCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, deleted bool) (customer.Customer, error) {
	pred, args := scopeSQL(a, "c")
	del := "c.deleted_at IS NULL"
	if deleted {
		del = "c.deleted_at IS NOT NULL"
	}
	q := s.rebind(s.hotCustomerColumns() + " WHERE c.id = ? AND " + del + " AND " + pred)
	if s.dialect == Postgres {
		list, err := s.pgCustomers(ctx, q, append([]any{int64(id)}, args...))
		if err != nil {
			return customer.Customer{}, wrap(err)
		}
		if len(list) == 0 {
			return customer.Customer{}, s.customerMiss(ctx, a, id)
		}
		return list[0], nil
	}
	st, err := s.readStmt(ctx, q)
	if err != nil {
		return customer.Customer{}, wrap(err)
	}
	rows, err := st.QueryContext(ctx, append([]any{id}, args...)...)
	if err != nil {
		return customer.Customer{}, wrap(err)
	}
	list, err := s.scanCustomers(rows, 1)
	if err != nil {
		return customer.Customer{}, guanxi.Internal(err)
	}
	if len(list) == 0 {
		return customer.Customer{}, s.customerMiss(ctx, a, id)
	}
	return list[0], nil
}

// rawColumns is the customer select with ? placeholders intact (the loaded
// query has none, so it is the same on both dialects).
func (s *Store) rawColumns() string { return s.q.CustomerColumns }

// UpdateCustomer writes c if its version is still version, with the field
// diff in the audit log.
func (s *Store) UpdateCustomer(ctx context.Context, a guanxi.Actor, c *customer.Customer, version int64, changes []customer.Change) error {
	s.prepareWrites(ctx, s.customerWriteQueries())
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.liveInScope(ctx, tx, a, c.ID)
		if err != nil {
			return err
		}
		if cur != version {
			return guanxi.Stale(cur)
		}
		if err := s.duplicateCheck(ctx, tx, a, c); err != nil {
			return err
		}
		now := s.nowUTC()
		idSealed, idExact, idKey := s.idColumns(c.IDNumber)
		res, err := s.txExec(ctx, tx, s.q.CustomerUpdate, c.Kind, c.Name, c.NamePinyin, c.Gender, c.Birthday,
			b2i(c.LunarBirthday), c.IDType, idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat, c.Province,
			c.City, c.District, c.Address, c.Market, c.Industry, c.Source, c.Stage, c.Grade,
			jsonText(c.Custom), jsonText(c.Consent), c.Notes, now, c.ID, version)
		if err != nil {
			return uniqueConflict(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(cur)
		}
		c.Version, c.UpdatedAt = version+1, now
		if err := s.writeTagsAndTokens(ctx, tx, c, true); err != nil {
			return err
		}
		if err := s.appendConsentDiffTx(ctx, tx, a, c.ID, changes); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "customer", c.ID,
			map[string]any{"changes": changes}).ForCustomer(c.ID))
	})
}

// DeleteCustomer soft-deletes a customer at version.
func (s *Store) DeleteCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.liveInScope(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if cur != version {
			return guanxi.Stale(cur)
		}
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, s.q.CustomerSoftDelete, now, now, id, version); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "customer", id, nil).ForCustomer(id))
	})
}

// RestoreCustomer brings a soft-deleted customer back.
func (s *Store) RestoreCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if !s.visible(ctx, tx, a, id) {
			return guanxi.NotFound("error.not_found")
		}
		res, err := tx.ExecContext(ctx, s.q.CustomerRestore, s.nowUTC(), id)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.NotFound("error.not_found")
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionRestore, "customer", id, nil).ForCustomer(id))
	})
}
