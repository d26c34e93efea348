package web

// careRoutes lists this module's pages and form actions.
func (h *Handler) careRoutes() []route { return nil }
