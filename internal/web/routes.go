package web

import "github.com/guanxi-crm/guanxi"

// route is one page or form action with the permission it needs; an empty
// Perm means the route is public (login, language switch).
type route struct {
	Method, Pattern string
	Perm            guanxi.Permission
	fn              handlerFunc
}

// RouteInfo describes a web route for tests generated from the route table
// (scope tests try every {id} route as an actor who must not see it).
type RouteInfo struct {
	Method, Pattern string
	Perm            guanxi.Permission
}

// Routes lists every web route.
func Routes() []RouteInfo {
	var h *Handler
	var out []RouteInfo
	for _, rt := range h.routes() {
		out = append(out, RouteInfo{rt.Method, rt.Pattern, rt.Perm})
	}
	return out
}

// routes is the web surface: every page and form action with its permission.
// Services check permissions and scope again; this table decides the redirect
// to the login page and hides what a role cannot use.
func (h *Handler) routes() []route {
	const (
		self     = guanxi.PermSelf
		read     = guanxi.PermCustomerRead
		write    = guanxi.PermCustomerWrite
		del      = guanxi.PermCustomerDelete
		restore  = guanxi.PermCustomerRestore
		transfer = guanxi.PermCustomerTransfer
	)
	rs := []route{
		{"GET", "/{$}", self, h.home},
		{"GET", "/login", "", h.loginPage},
		{"POST", "/login", "", h.login},
		{"POST", "/logout", self, h.logout},
		{"POST", "/lang", "", h.setLang},

		{"GET", "/customers", read, h.customerList},
		{"GET", "/customers/new", write, h.customerNew},
		{"POST", "/customers", write, h.customerCreate},
		{"POST", "/customers/transfer", transfer, h.customerBulkTransfer},
		{"GET", "/customers/{id}", read, h.customerShow},
		{"GET", "/customers/{id}/edit", write, h.customerEdit},
		{"POST", "/customers/{id}", write, h.customerUpdate},
		{"POST", "/customers/{id}/delete", del, h.customerDelete},
		{"POST", "/customers/{id}/restore", restore, h.customerRestore},
		{"GET", "/customers/{id}/transfer", transfer, h.customerTransferPage},
		{"POST", "/customers/{id}/transfer", transfer, h.customerTransfer},
		{"POST", "/customers/{id}/reveal", read, h.customerReveal},
		{"POST", "/customers/{id}/interactions", write, h.interactionAdd},
		{"POST", "/customers/{id}/contacts", write, h.contactAdd},
		{"GET", "/customers/{id}/contacts/{sub}/edit", write, h.contactEdit},
		{"POST", "/customers/{id}/contacts/{sub}", write, h.contactUpdate},
		{"POST", "/customers/{id}/contacts/{sub}/delete", write, h.contactDelete},
		{"POST", "/customers/{id}/holdings", write, h.holdingAdd},
		{"GET", "/customers/{id}/holdings/{sub}/edit", write, h.holdingEdit},
		{"POST", "/customers/{id}/holdings/{sub}", write, h.holdingUpdate},
		{"POST", "/customers/{id}/holdings/{sub}/delete", write, h.holdingDelete},
		{"POST", "/customers/{id}/transactions", write, h.transactionAdd},
		{"GET", "/trash", restore, h.trash},

		{"GET", "/profile", self, h.profile},
		{"POST", "/profile", self, h.profileUpdate},
		{"POST", "/profile/password", self, h.passwordChange},
		{"POST", "/profile/tokens", self, h.tokenCreate},
		{"POST", "/profile/tokens/{id}/revoke", self, h.tokenRevoke},

		{"GET", "/admin/users", guanxi.PermUserAdmin, h.users},
		{"GET", "/admin/users/new", guanxi.PermUserAdmin, h.userNew},
		{"POST", "/admin/users", guanxi.PermUserAdmin, h.userCreate},
		{"GET", "/admin/users/{id}", guanxi.PermUserAdmin, h.userEdit},
		{"POST", "/admin/users/{id}", guanxi.PermUserAdmin, h.userUpdate},
		{"POST", "/admin/users/{id}/disable", guanxi.PermUserAdmin, h.userDisable},
		{"POST", "/admin/users/{id}/password", guanxi.PermUserAdmin, h.userResetPassword},
		{"POST", "/admin/users/{id}/mfa/reset", guanxi.PermUserAdmin, h.userMFAReset},
		{"GET", "/admin/org", guanxi.PermOrgAdmin, h.org},
		{"POST", "/admin/org", guanxi.PermOrgAdmin, h.orgCreate},
		{"POST", "/admin/org/{id}", guanxi.PermOrgAdmin, h.orgUpdate},
		{"GET", "/admin/fields", guanxi.PermFieldAdmin, h.fields},
		{"POST", "/admin/fields", guanxi.PermFieldAdmin, h.fieldSave},
		{"POST", "/admin/fields/{id}", guanxi.PermFieldAdmin, h.fieldSave},
		{"GET", "/admin/settings", guanxi.PermSettingsAdmin, h.settingsPage},
		{"POST", "/admin/settings", guanxi.PermSettingsAdmin, h.settingsSave},

		{"GET", "/audit", guanxi.PermAuditRead, h.auditLog},
		{"GET", "/audit/export.csv", guanxi.PermAuditRead, h.auditExport},
		{"GET", "/audit/encryption", guanxi.PermAuditRead, h.encryptionPage}, // the service allows settings.admin too (admins hold audit.read)
	}
	// Each module lists its own routes in its own file.
	rs = append(rs, h.surveyRoutes()...)
	rs = append(rs, h.workRoutes()...)
	rs = append(rs, h.ticketRoutes()...)
	rs = append(rs, h.complaintRoutes()...)
	rs = append(rs, h.complaintAnalyticsRoutes()...)
	rs = append(rs, h.importRoutes()...)
	rs = append(rs, h.duplicateRoutes()...)
	rs = append(rs, h.exportRoutes()...)
	rs = append(rs, h.jobRoutes()...)
	rs = append(rs, h.outboxRoutes()...)
	rs = append(rs, h.careRoutes()...)
	rs = append(rs, h.appointmentRoutes()...)
	rs = append(rs, h.renewalRoutes()...)
	rs = append(rs, h.consentRoutes()...)
	rs = append(rs, h.breachRoutes()...)
	rs = append(rs, h.retentionRoutes()...)
	rs = append(rs, h.privacyRoutes()...)
	return rs
}
