package customer

// MergeStore is what duplicate detection and merging need from storage.
// Temporary: the merge work fills it in.
type MergeStore interface{}
