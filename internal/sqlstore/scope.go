package sqlstore

import "github.com/guanxi-crm/guanxi"

// scopeSQL is the predicate that limits customer rows (alias c) to what the
// actor may see. Every query that reads customer data includes it; nothing
// filters after the fact. The subtree case joins through users so that moving
// a user between teams takes effect at once.
func scopeSQL(a guanxi.Actor, alias string) (string, []any) {
	switch a.Scope() {
	case guanxi.ScopeAll:
		return "1=1", nil
	case guanxi.ScopeOwn:
		return alias + ".owner_id = ?", []any{a.UserID}
	case guanxi.ScopeSubtree:
		return alias + ".owner_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?)",
			[]any{a.OrgPath + "%"}
	}
	return "1=0", nil
}
