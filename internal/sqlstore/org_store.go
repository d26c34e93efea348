package sqlstore

type orgQueries struct{}
