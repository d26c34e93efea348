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
	// Complaints and service tickets: read and register/handle follow the
	// ticket scope; manage confirms, routes, overrides, merges and edits SLA
	// policies and the business calendar.
	PermTicketRead   Permission = "ticket.read"
	PermTicketWrite  Permission = "ticket.write"
	PermTicketManage Permission = "ticket.manage"
	// Surveys: answering follows customer scope (customer.write); admin edits
	// templates and reads the follow-up reports of its scope.
	PermSurveyAdmin Permission = "survey.admin"
	// Work logs and visit forms of the actor's org subtree are reviewed by
	// holders of this permission.
	PermWorkReview Permission = "work.review"
	// Data import and export (M13): import loads files, undo reverses a whole
	// import, export takes lists and reports out (masked by the reveal
	// permissions), merge joins duplicate customers.
	PermImport        Permission = "data.import"
	PermImportUndo    Permission = "data.import.undo"
	PermExport        Permission = "data.export"
	PermCustomerMerge Permission = "customer.merge"
	PermSelf          Permission = "self" // any signed-in user, for own profile

	// Care automation, appointments, messaging and renewals (M6, M7, M14).
	PermCareAdmin   Permission = "care.admin"   // care rules, message templates and channels, appointment resources, renewal reasons
	PermCareReport  Permission = "care.report"  // appointment success, care completion and renewal analysis
	PermMessageRead Permission = "message.read" // the outbox: every message and its delivery status
	PermJobsAdmin   Permission = "jobs.admin"   // the background job queue: list, retry

	// Personal-data rights (PIPL 44–47): a subject's export (DSAR), erasure
	// or anonymisation, legal holds and retention rules. The breach query
	// ("whom did user U read or export") needs audit.read.
	PermPrivacyAdmin Permission = "privacy.admin"
)

var rolePerms = map[Role][]Permission{
	RoleAdmin: {PermCustomerRead, PermCustomerWrite, PermCustomerDelete, PermCustomerRestore,
		PermCustomerTransfer, PermRevealIDNumber, PermRevealPhone, PermRevealAccount,
		PermAuditRead, PermUserAdmin, PermOrgAdmin, PermSettingsAdmin, PermFieldAdmin,
		PermTicketRead, PermTicketWrite, PermTicketManage, PermSurveyAdmin, PermWorkReview,
		PermImport, PermImportUndo, PermExport, PermCustomerMerge,
		PermCareAdmin, PermCareReport, PermMessageRead, PermJobsAdmin, PermPrivacyAdmin, PermSelf},
	RoleManager: {PermCustomerRead, PermCustomerWrite, PermCustomerDelete, PermCustomerTransfer,
		PermRevealIDNumber, PermRevealPhone, PermRevealAccount,
		PermTicketRead, PermTicketWrite, PermTicketManage, PermSurveyAdmin, PermWorkReview,
		PermImport, PermExport, PermCustomerMerge, PermCareAdmin, PermCareReport, PermMessageRead, PermSelf},
	RoleAgent: {PermCustomerRead, PermCustomerWrite, PermRevealPhone, PermTicketRead, PermTicketWrite, PermSelf},
	RoleCredit: {PermCustomerRead, PermCustomerWrite, PermRevealIDNumber, PermRevealPhone, PermRevealAccount,
		PermTicketRead, PermTicketWrite, PermSelf},
	RoleAuditor: {PermCustomerRead, PermAuditRead, PermTicketRead, PermExport, PermCareReport, PermMessageRead, PermSelf},
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
