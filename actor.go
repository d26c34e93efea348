package guanxi

// Role is a staff member's role; it decides permissions and data scope.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleAgent   Role = "agent"
	RoleCredit  Role = "credit"
	RoleAuditor Role = "auditor"
)

// Roles lists every built-in role in display order.
var Roles = []Role{RoleAdmin, RoleManager, RoleAgent, RoleCredit, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Scope is how much customer data an actor may see.
type Scope int

const (
	ScopeNone    Scope = iota // sees nothing (anonymous, disabled)
	ScopeOwn                  // only customers it owns (1对N)
	ScopeSubtree              // customers owned by staff in its org subtree
	ScopeAll                  // every customer
)

// Actor is who is calling: the user, its role, org unit and address.
// Every store method that reads customer data takes one.
type Actor struct {
	UserID    ID
	Username  string
	Name      string
	Role      Role
	OrgUnitID ID
	// OrgPath is the materialised path of the actor's org unit, e.g. "/1/4/9/".
	OrgPath string
	Lang    string
	Addr    string
	// System marks background work that acts with full scope (migrations, demo).
	System bool
}

// Scope returns the data scope of the actor's role.
func (a Actor) Scope() Scope {
	if a.System {
		return ScopeAll
	}
	switch a.Role {
	case RoleAdmin, RoleAuditor:
		return ScopeAll
	case RoleManager:
		return ScopeSubtree
	case RoleAgent, RoleCredit:
		return ScopeOwn
	}
	return ScopeNone
}

// SystemActor is used by jobs and commands that run for the operator.
func SystemActor(name string) Actor {
	return Actor{Username: name, Name: name, Role: RoleAdmin, System: true, OrgPath: "/"}
}
