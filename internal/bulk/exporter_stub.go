package bulk

// Exporter takes lists and reports out as CSV and .xlsx. Temporary: the
// export work replaces this file.
type Exporter struct{}
