package sqlstore

type subQueries struct{}
