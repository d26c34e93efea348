package api

// outboxRoutes registers this module's operations.
func (h *Handler) outboxRoutes(api humaAPI) {}
