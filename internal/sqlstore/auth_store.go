package sqlstore

type authQueries struct{}
