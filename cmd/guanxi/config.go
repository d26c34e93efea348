package main

import (
	"flag"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// config is built from flags with GUANXI_* environment fallbacks.
type config struct {
	Addr          string
	Data          string
	DB            string
	Demo          bool
	DemoCustomers int
	Seed          uint64
	BehindTLS     bool
	TrustProxy    bool
	SyncNormal    bool
	// Overload limits (0: defaults, negative: off); see server.Limits.
	MaxInFlight, MaxHeavy, RatePerUser int
}

// dsn is --db, or the SQLite file in the data folder.
func (c config) dsn() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "guanxi.db")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// envInt reads a whole number; unset is 0 (the default). serve refuses an
// invalid value after parsing.
func envInt(getenv func(string) string, key string) int {
	n, _ := strconv.Atoi(getenv(key))
	return n
}

func envBool(getenv func(string) string, key string) bool {
	v := strings.ToLower(getenv(key))
	return v == "1" || v == "true" || v == "yes"
}

// baseFlags declares the flags every command shares.
func baseFlags(name string, getenv func(string) string, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Data, "data", envOr(getenv, "GUANXI_DATA", "./guanxi-data"), "data folder (SQLite database, backups)")
	fs.StringVar(&c.DB, "db", getenv("GUANXI_DB"), "database: SQLite file path or postgres:// URL (default DATA/guanxi.db)")
	fs.BoolVar(&c.SyncNormal, "sqlite-sync-normal", envBool(getenv, "GUANXI_SQLITE_SYNC_NORMAL"), "SQLite synchronous=NORMAL (faster; the last commits may be lost on power failure)")
	return fs
}
