package web

// importRoutes: temporary, filled in by the imports work.
func (h *Handler) importRoutes() []route { return nil }
