package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// sortColumns maps the allow-listed sort fields to columns; nothing from the
// request reaches the SQL text except through this map.
var sortColumns = map[string]string{
	"id": "c.id", "created_at": "c.created_at", "updated_at": "c.updated_at",
	"name": "c.name", "number": "c.number",
}

// listCursor is the keyset position after the last row of a page.
type listCursor struct {
	Sort string    `json:"s"`
	V    string    `json:"v,omitempty"`
	T    time.Time `json:"t,omitzero"`
	ID   guanxi.ID `json:"id"`
}

func encodeCursor(c listCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (listCursor, error) {
	var c listCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Sort != sort || c.ID <= 0 {
		return c, guanxi.Invalid(guanxi.Field("cursor", "validation.cursor"))
	}
	return c, nil
}

// ListCustomers returns one keyset page in a's scope: search box, filter,
// sort, cursor. It never counts the table.
func (s *Store) ListCustomers(ctx context.Context, a guanxi.Actor, q customer.ListQuery) (customer.Page[customer.Customer], error) {
	var page customer.Page[customer.Customer]
	sort := q.Sort
	if sort == "" {
		sort = "-id"
	}
	field := strings.TrimPrefix(sort, "-")
	col, ok := sortColumns[field]
	if !ok {
		return page, guanxi.Invalid(guanxi.Field("sort", "validation.enum"))
	}
	desc := strings.HasPrefix(sort, "-")
	var where []string
	var args []any
	add := func(pred string, a ...any) {
		where = append(where, pred)
		args = append(args, a...)
	}
	if q.Deleted {
		add("c.deleted_at IS NOT NULL")
	} else {
		add("c.deleted_at IS NULL")
	}
	pred, pargs := scopeSQL(a, "c")
	add(pred, pargs...)
	if strings.TrimSpace(q.Q) != "" {
		sp, sargs, err := s.searchSQLFor(ctx, q.Q, "c")
		if err != nil {
			return page, err
		}
		add(sp, sargs...)
	}
	if q.Filter != nil {
		fp, fargs, err := s.filterSQL(q.Filter, "c")
		if err != nil {
			return page, err
		}
		add(fp, fargs...)
	}
	if q.Cursor != "" {
		cur, err := decodeCursor(q.Cursor, sort)
		if err != nil {
			return page, err
		}
		op := ">"
		if desc {
			op = "<"
		}
		switch field {
		case "id":
			add("c.id "+op+" ?", cur.ID)
		case "created_at", "updated_at":
			add("("+col+" "+op+" ? OR ("+col+" = ? AND c.id "+op+" ?))", cur.T, cur.T, cur.ID)
		default:
			add("("+col+" "+op+" ? OR ("+col+" = ? AND c.id "+op+" ?))", cur.V, cur.V, cur.ID)
		}
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := col + dir
	if field != "id" {
		order += ", c.id" + dir
	}
	limit := q.Limit
	if limit <= 0 || limit > customer.MaxLimit {
		limit = 20
	}
	// The limit is a literal, not a parameter: SQLite (3.47+) reads a bound
	// LIMIT while planning and marks the statement to be re-prepared on
	// every new binding, which was 15 % of a list request's CPU. It is an
	// int from 1 to MaxLimit+1, so at most a few hundred distinct texts.
	sqlText := s.hotCustomerColumns() + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit+1)
	var rows *sql.Rows
	var err error
	if st := s.boundedStmt(ctx, s.rebind(sqlText), strings.TrimSpace(q.Q) == ""); st != nil {
		// Without a search the text depends only on the sort, cursor,
		// trash, scope kind and the filter's shape: prepared once.
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.r.QueryContext(ctx, s.rebind(sqlText), args...)
	}
	if err != nil {
		return page, wrap(err)
	}
	items, err := s.scanCustomers(rows, limit+1)
	if err != nil {
		return page, guanxi.Internal(err)
	}
	page.Items = items[:min(len(items), limit)]
	if len(items) > limit {
		last := page.Items[len(page.Items)-1]
		c := listCursor{Sort: sort, ID: last.ID}
		switch field {
		case "created_at":
			c.T = last.CreatedAt
		case "updated_at":
			c.T = last.UpdatedAt
		case "name":
			c.V = last.Name
		case "number":
			c.V = last.Number
		}
		page.NextCursor = encodeCursor(c)
	}
	return page, nil
}
