package api

// renewalRoutes registers this module's operations.
func (h *Handler) renewalRoutes(api humaAPI) {}
