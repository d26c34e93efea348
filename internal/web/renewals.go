package web

// renewalRoutes lists this module's pages and form actions.
func (h *Handler) renewalRoutes() []route { return nil }
