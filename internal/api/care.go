package api

// careRoutes registers this module's operations.
func (h *Handler) careRoutes(api humaAPI) {}
