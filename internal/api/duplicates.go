package api

// duplicateRoutes: temporary, filled in by the duplicates work.
func (h *Handler) duplicateRoutes(api humaAPI) {}
