package sqlstore

type settingQueries struct{}
