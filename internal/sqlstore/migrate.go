package sqlstore

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
)

//go:embed migrations
var migrationFS embed.FS

// Migrate applies every pending migration, one at a time, each in its own
// transaction together with its row in goose_db_version, so a crash leaves
// every migration applied and recorded or neither (TESTPLAN F5). On
// PostgreSQL a session advisory lock lets several instances start at once.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	sub, err := fs.Sub(migrationFS, "migrations/"+string(s.dialect))
	if err != nil {
		return 0, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Retry every second (goose's default is 5 s), so an instance
		// restarted after a crash does not wait long for the dead
		// session's lock to go; give up after 5 minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.w.DB, sub, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	fp := parseFailpoint(os.Getenv("GUANXI_FAILPOINT"))
	for {
		v, err := s.upByOne(ctx, p, sub, fp)
		if errors.Is(err, goose.ErrNoNextVersion) {
			return applied, s.afterMigrate(ctx)
		}
		if err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		if fp.after == v {
			killSelf()
		}
		applied++
	}
}

// afterMigrate checks the key ring against the database and seals values
// written before encryption at rest (fieldcrypt_store.go).
func (s *Store) afterMigrate(ctx context.Context) error {
	if err := s.CheckKeys(ctx); err != nil {
		return err
	}
	if _, err := s.SealPending(ctx); err != nil {
		return fmt.Errorf("seal stored values: %w", err)
	}
	return nil
}

// upByOne applies the next pending migration and returns its version. On
// PostgreSQL goose takes the advisory lock for each step, so instances
// starting together apply each migration once.
func (s *Store) upByOne(ctx context.Context, p *goose.Provider, sub fs.FS, fp failpoint) (int64, error) {
	if s.dialect == SQLite {
		st, err := p.Status(ctx)
		if err != nil {
			return 0, err
		}
		var next *goose.Source
		for _, m := range st {
			if m.State == goose.StatePending {
				next = m.Source
				break
			}
		}
		if next == nil {
			return 0, goose.ErrNoNextVersion
		}
		if err := s.armCommitFailpoint(ctx, fp, next.Version); err != nil {
			return 0, err
		}
		if next.Type == goose.TypeSQL {
			b, err := fs.ReadFile(sub, next.Path)
			if err != nil {
				return 0, err
			}
			if up, ok := atomicNoTx(string(b), next.Version); ok {
				return next.Version, s.execOwnConn(ctx, up)
			}
		}
	}
	res, err := p.UpByOne(ctx)
	if err != nil {
		return 0, err
	}
	return res.Source.Version, nil
}

// goose runs a "NO TRANSACTION" migration (SQLite table rebuilds, which
// must switch foreign keys off outside any transaction) statement by
// statement and records it afterwards, so a crash between the migration's
// own COMMIT and that record would leave a schema that the next start fails
// to migrate again (CREATE TABLE … already exists). upByOne runs such a
// file itself with its record inside its own BEGIN … COMMIT.

var (
	noTxRe   = regexp.MustCompile(`(?m)^--\s*\+goose\s+NO TRANSACTION\s*$`)
	commitRe = regexp.MustCompile(`(?im)^\s*COMMIT\s*;`)
	beginRe  = regexp.MustCompile(`(?im)^\s*BEGIN(\s+IMMEDIATE|\s+EXCLUSIVE)?\s*;`)
)

// atomicNoTx returns the Up section of a NO TRANSACTION migration that
// opens and commits its own transaction, with the version record inserted
// before its last COMMIT; ok is false for any other migration.
func atomicNoTx(text string, version int64) (string, bool) {
	if !noTxRe.MatchString(text) {
		return "", false
	}
	up := text
	if i := strings.Index(up, "-- +goose Up"); i >= 0 {
		up = up[i+len("-- +goose Up"):]
	}
	if i := strings.Index(up, "-- +goose Down"); i >= 0 {
		up = up[:i]
	}
	commits := commitRe.FindAllStringIndex(up, -1)
	if len(commits) != 1 || !beginRe.MatchString(up) {
		return "", false
	}
	at := commits[0][0]
	record := "INSERT INTO goose_db_version (version_id, is_applied) VALUES (" + strconv.FormatInt(version, 10) + ", 1);\n"
	return up[:at] + record + up[at:], true
}

// execOwnConn runs script on the writer's connection; on failure it rolls
// back and discards the connection, whose pragmas the script may have changed.
func (s *Store) execOwnConn(ctx context.Context, script string) error {
	conn, err := s.w.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, script); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return err
	}
	return nil
}

// failpoint is GUANXI_FAILPOINT for the crash tests: "migrate-after:V"
// kills the process once migration V is applied and recorded;
// "migrate-commit:V:K" (SQLite) kills it at the K-th commit while V is
// applied, before that commit is durable. Both may be given, comma-separated.
type failpoint struct {
	after, commitOf int64
	commitN         int
}

func parseFailpoint(v string) failpoint {
	var f failpoint
	for _, part := range strings.Split(v, ",") {
		if rest, ok := strings.CutPrefix(part, "migrate-after:"); ok {
			f.after, _ = strconv.ParseInt(rest, 10, 64)
		}
		if rest, ok := strings.CutPrefix(part, "migrate-commit:"); ok {
			ver, n, _ := strings.Cut(rest, ":")
			f.commitOf, _ = strconv.ParseInt(ver, 10, 64)
			f.commitN, _ = strconv.Atoi(n)
		}
	}
	return f
}

// armCommitFailpoint installs (or clears) the commit hook on the single
// writer connection for migration version.
func (s *Store) armCommitFailpoint(ctx context.Context, f failpoint, version int64) error {
	if f.commitOf == 0 || s.dialect != SQLite {
		return nil
	}
	conn, err := s.w.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		h, ok := dc.(interface{ RegisterCommitHook(sqlite.CommitHookFn) })
		if !ok {
			return fmt.Errorf("failpoint: the driver has no commit hook")
		}
		if version != f.commitOf {
			h.RegisterCommitHook(nil)
			return nil
		}
		n := 0
		h.RegisterCommitHook(func() int32 {
			if n++; n == f.commitN {
				killSelf()
			}
			return 0
		})
		return nil
	})
}

// killSelf ends the process as a power cut or the OOM killer would.
func killSelf() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Kill()
	}
	select {}
}

// MigrationNames lists the migration files of a dialect, for the parity test.
func MigrationNames(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}
