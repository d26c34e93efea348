package sqlstore

type idemQueries struct{}
