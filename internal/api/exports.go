package api

// exportRoutes: temporary, filled in by the exports work.
func (h *Handler) exportRoutes(api humaAPI) {}
