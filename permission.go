package guanxi

// Permission names one thing an actor may do. Routes declare the permission
// they need; roles grant sets of permissions.
type Permission string

const (
	PermCustomerRead     Permission = "customer.read"
	PermCustomerWrite    Permission = "customer.write"
	PermCustomerDelete   Permission = "customer.delete"
	PermCustomerRestore  Permission = "customer.restore"
	PermCustomerTransfer Permission = "customer.transfer"
	PermRevealIDNumber   Permission = "pii.id_number.unmask"
	PermRevealPhone      Permission = "pii.phone.unmask"
	PermRevealAccount    Permission = "pii.account.unmask"
	PermAuditRead        Permission = "audit.read"
	PermUserAdmin        Permission = "user.admin"
	PermOrgAdmin         Permission = "org.admin"
	PermSettingsAdmin    Permission = "settings.admin"
	PermFieldAdmin       Permission = "field.admin"
	PermSelf             Permission = "self" // any signed-in user, for own profile
)

var rolePerms = map[Role][]Permission{
	RoleAdmin: {PermCustomerRead, PermCustomerWrite, PermCustomerDelete, PermCustomerRestore,
		PermCustomerTransfer, PermRevealIDNumber, PermRevealPhone, PermRevealAccount,
		PermAuditRead, PermUserAdmin, PermOrgAdmin, PermSettingsAdmin, PermFieldAdmin, PermSelf},
	RoleManager: {PermCustomerRead, PermCustomerWrite, PermCustomerDelete, PermCustomerTransfer,
		PermRevealIDNumber, PermRevealPhone, PermRevealAccount, PermSelf},
	RoleAgent:   {PermCustomerRead, PermCustomerWrite, PermRevealPhone, PermSelf},
	RoleCredit:  {PermCustomerRead, PermCustomerWrite, PermRevealIDNumber, PermRevealPhone, PermRevealAccount, PermSelf},
	RoleAuditor: {PermCustomerRead, PermAuditRead, PermSelf},
}

// Can reports whether the actor's role grants p.
func (a Actor) Can(p Permission) bool {
	if a.System {
		return true
	}
	for _, x := range rolePerms[a.Role] {
		if x == p {
			return true
		}
	}
	return false
}

// Permissions returns the permissions of role r.
func (r Role) Permissions() []Permission {
	return append([]Permission(nil), rolePerms[r]...)
}
