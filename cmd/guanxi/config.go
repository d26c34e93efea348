package main

import (
	"flag"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// config is built from flags with GUANXI_* environment fallbacks.
type config struct {
	Addr          string
	Data          string
	DB            string
	KeyFile       string
	Demo          bool
	DemoCustomers int
	Seed          uint64
	BehindTLS     bool
	TrustProxy    bool
	SyncNormal    bool
	// Overload limits (0: defaults, negative: off); see server.Limits.
	MaxInFlight, MaxHeavy, RatePerUser int
	// Congestion is server.Limits.Congestion (0: its default).
	Congestion time.Duration
}

// dsn is --db, or the SQLite file in the data folder.
func (c config) dsn() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "guanxi.db")
}

// keyPath is --key-file; else FILE.key beside a SQLite --db FILE, else
// guanxi.key in the data folder.
func (c config) keyPath() string {
	switch {
	case c.KeyFile != "":
		return c.KeyFile
	case c.DB != "" && !sqlstore.IsPostgresDSN(c.DB):
		return c.DB + ".key"
	}
	return filepath.Join(c.Data, "guanxi.key")
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
	fs.StringVar(&c.KeyFile, "key-file", getenv("GUANXI_KEY_FILE"), "key file sealing ID numbers and secrets at rest (default DATA/guanxi.key, or FILE.key beside a SQLite --db FILE; created on first start; keep it apart from backups)")
	fs.BoolVar(&c.SyncNormal, "sqlite-sync-normal", envBool(getenv, "GUANXI_SQLITE_SYNC_NORMAL"), "SQLite synchronous=NORMAL (faster; the last commits may be lost on power failure)")
	return fs
}
