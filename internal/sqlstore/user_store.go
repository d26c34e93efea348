package sqlstore

type userQueries struct{}
