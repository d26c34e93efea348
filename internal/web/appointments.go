package web

// appointmentRoutes lists this module's pages and form actions.
func (h *Handler) appointmentRoutes() []route { return nil }
