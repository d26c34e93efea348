package sqlstore

type customerQueries struct{}
