package web

// jobRoutes lists this module's pages and form actions.
func (h *Handler) jobRoutes() []route { return nil }
