package sqlstore

import (
	"context"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// ownerOptionsSQL is users-list (queries/users.sql) without the filters
// an owner menu never sets and with only the menu's columns; one text per
// scope kind, so each is planned for its own predicate and prepared once.
const ownerOptionsSQL = `SELECT u.id, u.username, u.name, o.name AS org_unit_name
FROM users u JOIN org_units o ON o.id = u.org_unit_id
WHERE u.disabled = 0`

const ownerOptionsOrder = ` ORDER BY o.path, u.username LIMIT 1000`

// OwnerOptions lists the enabled users whose unit path starts with under
// ("" for all), or only user onlyID when set, as Users does.
func (s *Store) OwnerOptions(ctx context.Context, under string, onlyID guanxi.ID) ([]staff.OwnerOption, error) {
	text, args := ownerOptionsSQL, []any{}
	if under != "" {
		text += " AND o.path LIKE ?"
		args = append(args, under+"%")
	}
	if onlyID != 0 {
		text += " AND u.id = ?"
		args = append(args, onlyID)
	}
	st, err := s.readStmt(ctx, s.rebind(text+ownerOptionsOrder))
	if err != nil {
		return nil, wrap(err)
	}
	var out []staff.OwnerOption
	if err := st.SelectContext(ctx, &out, args...); err != nil {
		return nil, wrap(err)
	}
	return out, nil
}
