package api

// importRoutes: temporary, filled in by the imports work.
func (h *Handler) importRoutes(api humaAPI) {}
