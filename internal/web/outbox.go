package web

// outboxRoutes lists this module's pages and form actions.
func (h *Handler) outboxRoutes() []route { return nil }
