package api

// routes registers every operation; each register call names its method,
// path and permission, so this and the files it calls are the route table.
func (h *Handler) routes(api humaAPI) {
	h.systemRoutes(api)
	h.encryptionRoutes(api)
	h.customerRoutes(api)
	h.childRoutes(api)
	h.staffRoutes(api)
	h.surveyRoutes(api)
	h.workRoutes(api)
	h.ticketRoutes(api)
	h.complaintRoutes(api)
	h.complaintAnalyticsRoutes(api)
	h.importRoutes(api)
	h.duplicateRoutes(api)
	h.exportRoutes(api)
	h.jobRoutes(api)
	h.outboxRoutes(api)
	h.careRoutes(api)
	h.appointmentRoutes(api)
	h.renewalRoutes(api)
	h.consentRoutes(api)
	h.retentionRoutes(api)
	h.privacyRoutes(api, h.app.Privacy)
	h.breachRoutes(api)
}
