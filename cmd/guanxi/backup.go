package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// backupPrefix names every backup file, so rotation only ever removes
// files this command wrote.
const backupPrefix = "guanxi-"

const backupUsage = `guanxi backup — an online backup while the server runs

Usage:
  guanxi backup [--data DIR | --db DSN] [--out FILE | --dir DIR] [--keep N]

SQLite: VACUUM INTO a consistent snapshot (writers carry on), checked with
integrity_check. PostgreSQL: pg_dump -Fc (pg_dump must be installed).
Without --out the file is DIR/guanxi-YYYYMMDD-HHMMSS.mmm.db (.dump for
PostgreSQL), DIR defaulting to DATA/backups; --keep N (default 7) then
removes the oldest backups in DIR beyond N. Restore with guanxi restore.
`

func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("backup", getenv, &c)
	out := fs.String("out", "", "backup file to write (must not exist)")
	dir := fs.String("dir", "", "folder for dated backups (default DATA/backups)")
	keep := fs.Int("keep", 7, "dated backups to keep in the folder (0: keep all)")
	pgDump := fs.String("pg-dump", "pg_dump", "pg_dump binary (PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		if strings.Contains(err.Error(), "help requested") {
			fmt.Fprint(stdout, backupUsage)
			return nil
		}
		return fmt.Errorf("backup: %w", err)
	}
	path, err := backupAs(ctx, privacyActor(getenv), c, *out, *dir, *keep, *pgDump)
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup: wrote %s (%s)\n", path, mib(fi.Size()))
	return nil
}

// backupOnce is serve's scheduled backup, audited as the system actor
// "backup-schedule".
func backupOnce(ctx context.Context, c config, out, dir string, keep int, pgDump string) (string, error) {
	return backupAs(ctx, guanxi.SystemActor("backup-schedule"), c, out, dir, keep, pgDump)
}

// backupAs writes one backup and rotates the folder; it returns the file.
// The attempt is audited as a (TESTPLAN E1) in the database backed up, once
// the snapshot is taken, so the row is in the next backup: object the file
// name, outcome ok or failed. A backup whose row cannot be written fails.
func backupAs(ctx context.Context, a guanxi.Actor, c config, out, dir string, keep int, pgDump string) (string, error) {
	pg := sqlstore.IsPostgresDSN(c.dsn())
	if out == "" {
		if dir == "" {
			dir = filepath.Join(c.Data, "backups")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", err
		}
		ext := ".db"
		if pg {
			ext = ".dump"
		}
		out = filepath.Join(dir, backupPrefix+time.Now().UTC().Format("20060102-150405.000")+ext)
	}
	if _, err := os.Stat(out); err == nil {
		return "", fmt.Errorf("backup: %s already exists", out)
	}
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{})
	if err != nil {
		return "", err
	}
	defer s.Close()
	if pg {
		err = pgDumpTo(ctx, c.dsn(), out, pgDump)
	} else {
		err = s.BackupSQLite(ctx, out)
	}
	e := audit.New(a, audit.ActionBackup, "backup", 0, map[string]any{"file": filepath.Base(out)})
	if err != nil {
		e = e.Failed("failed")
	}
	// Recorded even when ctx ended the backup (serve shutting down).
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if aerr := s.Audit(actx, e); aerr != nil {
		if err == nil {
			err = fmt.Errorf("backup: %s written, but its audit row was not: %w", out, aerr)
		}
		return "", err
	}
	if err != nil {
		return "", err
	}
	if keep > 0 && dir != "" {
		if err := rotateBackups(dir, keep); err != nil {
			return out, err
		}
	}
	return out, nil
}

// pgDumpTo writes a pg_dump custom-format archive of dsn to out, through a
// temporary name so a failed dump leaves no file under the final one.
func pgDumpTo(ctx context.Context, dsn, out, pgDump string) error {
	bin, err := exec.LookPath(pgDump)
	if err != nil {
		return fmt.Errorf("backup: pg_dump not found (install the PostgreSQL client): %w", err)
	}
	tmp := out + ".part"
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--file", tmp, "--dbname", dsn)
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return os.Rename(tmp, out)
}

// rotateBackups removes the oldest dated backups in dir beyond keep (the
// names sort by time).
func rotateBackups(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasPrefix(n, backupPrefix) && (strings.HasSuffix(n, ".db") || strings.HasSuffix(n, ".dump")) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}

const restoreUsage = `guanxi restore — restore a backup into a clean data folder or an empty database

Usage:
  guanxi restore --from FILE [--data DIR | --db DSN]

SQLite: the backup is checked (integrity_check, foreign keys), then copied to
DATA/guanxi.db; the data folder must not hold a database yet. PostgreSQL:
pg_restore into the database of --db, which must be empty. Then migrations
bring the schema up to this version and the audit chain is verified.
`

func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("restore", getenv, &c)
	from := fs.String("from", "", "backup file")
	pgRestore := fs.String("pg-restore", "pg_restore", "pg_restore binary (PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		if strings.Contains(err.Error(), "help requested") {
			fmt.Fprint(stdout, restoreUsage)
			return nil
		}
		return fmt.Errorf("restore: %w", err)
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	dsn := c.dsn()
	if sqlstore.IsPostgresDSN(dsn) {
		if err := restorePostgres(ctx, dsn, *from, *pgRestore); err != nil {
			return err
		}
	} else if err := restoreSQLite(ctx, dsn, *from); err != nil {
		return err
	}
	s, err := openStore(ctx, c) // migrates a backup of an older version
	if err != nil {
		return err
	}
	defer s.Close()
	broken, checked, err := s.VerifyAudit(ctx)
	if err == nil && broken != 0 {
		err = fmt.Errorf("restore: the audit chain of the restored database is broken at seq %d", broken)
	}
	// The restore is audited in the restored database, after the chain it
	// brought checked out, by the OS user who ran it (TESTPLAN E1).
	e := audit.New(privacyActor(getenv), audit.ActionBackupRestore, "backup", 0, map[string]any{"file": filepath.Base(*from)})
	if err != nil {
		e = e.Failed("failed")
	}
	if aerr := s.Audit(ctx, e); aerr != nil && err == nil {
		err = fmt.Errorf("restore: restored, but its audit row was not written: %w", aerr)
	}
	if err != nil {
		return err
	}
	counts, err := s.TableCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restore: %s restored into %s: %d customers, %d users, audit chain intact (%d rows)\n",
		*from, s.Dialect(), counts["customers"], counts["users"], checked)
	return nil
}

func restoreSQLite(ctx context.Context, dest, from string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("restore: %s already exists; restore into a clean data folder (move the old one aside first)", dest)
	}
	if err := sqlstore.CheckSQLiteFile(ctx, from, true); err != nil {
		return fmt.Errorf("restore: the backup is damaged: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return err
	}
	tmp := dest + ".restoring"
	if err := copyFileSync(from, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	return os.Rename(tmp, dest)
}

// copyFileSync copies src to dst and fsyncs it, so a crash never leaves a
// half-written file under the final name.
func copyFileSync(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func restorePostgres(ctx context.Context, dsn, from, pgRestore string) error {
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	counts, err := s.TableCounts(ctx)
	s.Close()
	if err != nil {
		return err
	}
	if len(counts) > 0 {
		return fmt.Errorf("restore: the database of --db already has %d tables; restore into an empty database", len(counts))
	}
	bin, err := exec.LookPath(pgRestore)
	if err != nil {
		return fmt.Errorf("restore: pg_restore not found (install the PostgreSQL client): %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", dsn, from)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restore: pg_restore: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}
