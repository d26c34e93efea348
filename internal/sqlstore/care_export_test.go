package sqlstore

// RebindDollarForTest lets the care tests write raw SQL with ? on both
// engines.
func RebindDollarForTest(q string) string { return rebindDollar(q) }
