package api

// appointmentRoutes registers this module's operations.
func (h *Handler) appointmentRoutes(api humaAPI) {}
