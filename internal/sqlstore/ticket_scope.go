package sqlstore

import "github.com/guanxi-crm/guanxi"

// ticketScopeSQL limits ticket rows (alias t) to what the actor may see: the
// ticket's customer is in the actor's customer scope (scopeSQL), or the
// ticket is assigned to the actor or to a unit in its org subtree, or the
// actor registered it; managers also see tickets assigned to their staff.
// Admins and auditors see all (auditors change nothing: they lack
// ticket.write).
func ticketScopeSQL(a guanxi.Actor, alias string) (string, []any) {
	switch a.Scope() {
	case guanxi.ScopeAll:
		return "1=1", nil
	case guanxi.ScopeNone:
		return "1=0", nil
	}
	cust, cargs := scopeSQL(a, "tsc")
	pred := "(" + alias + ".assignee_id = ? OR " + alias + ".created_by = ?" +
		" OR EXISTS (SELECT 1 FROM customers tsc WHERE tsc.id = " + alias + ".customer_id AND " + cust + ")" +
		" OR EXISTS (SELECT 1 FROM org_units tsu WHERE tsu.id = " + alias + ".org_unit_id AND tsu.path LIKE ?)"
	sub := a.OrgPath + "%"
	if a.OrgPath == "" {
		sub = "/no-unit/" // an actor without a unit has no subtree
	}
	args := append([]any{a.UserID, a.UserID}, cargs...)
	args = append(args, sub)
	if a.Scope() == guanxi.ScopeSubtree {
		pred += " OR EXISTS (SELECT 1 FROM users tsa JOIN org_units tso ON tso.id = tsa.org_unit_id" +
			" WHERE tsa.id = " + alias + ".assignee_id AND tso.path LIKE ?)"
		args = append(args, sub)
	}
	return pred + ")", args
}
