package api

// jobRoutes registers this module's operations.
func (h *Handler) jobRoutes(api humaAPI) {}
