package main

import (
	"bytes"
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
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// backupPrefix names every backup file, so rotation only ever removes
// files this command wrote.
const backupPrefix = "guanxi-"

const backupUsage = `guanxi backup — an online backup while the server runs

Usage:
  guanxi backup [--data DIR | --db DSN] [--key-file FILE] [--out FILE | --dir DIR] [--keep N]

SQLite: VACUUM INTO a consistent snapshot (writers carry on), checked with
integrity_check. PostgreSQL: pg_dump -Fc (pg_dump must be installed).
Every backup is encrypted (AES-256-GCM) with a key derived from the key
file (default DATA/guanxi.key), which is not in the backup: keep a copy of
the key file apart from the backups, or they cannot be restored.
Without --out the file is DIR/guanxi-YYYYMMDD-HHMMSS.mmm.db.gxenc
(.dump.gxenc for PostgreSQL), DIR defaulting to DATA/backups; --keep N
(default 7) then removes the oldest backups in DIR beyond N. Restore with
guanxi restore.
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
		out = filepath.Join(dir, backupPrefix+time.Now().UTC().Format("20060102-150405.000")+ext+encryptedExt)
	}
	if _, err := os.Stat(out); err == nil {
		return "", fmt.Errorf("backup: %s already exists", out)
	}
	ring, _, err := keyRing(c, false)
	if err != nil {
		return "", fmt.Errorf("backup: backups are encrypted with the key file of the data: %w", err)
	}
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{Keys: ring})
	if err != nil {
		return "", err
	}
	defer s.Close()
	key := ring.DerivedKey(backupKeyLabel)
	if pg {
		err = pgDumpEncrypted(ctx, c.dsn(), out, pgDump, key)
	} else {
		err = backupSQLiteEncrypted(ctx, s, out, key)
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

// backupSQLiteEncrypted snapshots the database into a private folder
// beside out (VACUUM INTO needs a file it can seek in), checks it,
// encrypts it into out and removes the plaintext.
func backupSQLiteEncrypted(ctx context.Context, s *sqlstore.Store, out string, key []byte) error {
	dir := filepath.Dir(out)
	removeStalePlain(dir)
	tmp, err := os.MkdirTemp(dir, plainTempPrefix)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, "snapshot.db")
	if err := s.BackupSQLite(ctx, snap); err != nil {
		return err
	}
	f, err := os.Open(snap)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	return writeEncrypted(out, key, f, nil)
}

// pgDumpEncrypted encrypts a pg_dump custom-format archive of dsn into out
// as pg_dump writes it: the plaintext never reaches the disk. A failed dump
// leaves no file under the final name.
func pgDumpEncrypted(ctx context.Context, dsn, out, pgDump string, key []byte) error {
	bin, err := exec.LookPath(pgDump)
	if err != nil {
		return fmt.Errorf("backup: pg_dump not found (install the PostgreSQL client): %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--dbname", dsn)
	var msg bytes.Buffer
	cmd.Stderr = &msg
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("backup: pg_dump: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("backup: pg_dump: %w", err)
	}
	waited := false
	err = writeEncrypted(out, key, stdout, func() error {
		waited = true
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(msg.String()))
		}
		return nil
	})
	if !waited { // the file could not be written: stop pg_dump
		cancel()
		cmd.Wait()
	}
	return err
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
		if !e.IsDir() && strings.HasPrefix(n, backupPrefix) && isBackupName(strings.TrimSuffix(n, encryptedExt)) {
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

// isBackupName: a dated backup, encrypted or written before encryption.
func isBackupName(n string) bool {
	return strings.HasSuffix(n, ".db") || strings.HasSuffix(n, ".dump")
}

const restoreUsage = `guanxi restore — restore a backup into a clean data folder or an empty database

Usage:
  guanxi restore --from FILE [--data DIR | --db DSN] [--key-file FILE]

An encrypted backup (.gxenc) opens only with the key file of the data
folder it was taken from: DATA/guanxi.key of the target, or --key-file
(GUANXI_KEY_FILE) on a clean host; that key file is then copied into the
data folder when it has none. A backup written before backups were
encrypted is restored as it is.
SQLite: the backup is decrypted into the data folder and checked
(integrity_check, foreign keys), then becomes DATA/guanxi.db; the data
folder must not hold a database yet. PostgreSQL: pg_restore into the
database of --db, which must be empty. Then migrations bring the schema up
to this version and the audit chain is verified.
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
	s, err := restoreInto(ctx, c, *from, *pgRestore, stdout)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := placeKeyFile(c, stdout); err != nil {
		return err
	}
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

// restoreInto restores the backup from into the database of c and opens
// it, migrated, with the key ring that belongs to it. A SQLite database
// that does not open with that ring is removed again, so the restore can
// be repeated with the right key file.
func restoreInto(ctx context.Context, c config, from, pgRestore string, stdout io.Writer) (*sqlstore.Store, error) {
	f, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	encrypted, err := isEncryptedBackup(f)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	var (
		ring    *fieldcrypt.Ring
		src     io.Reader // the decrypted backup; nil: read from as it is
		created bool
	)
	if encrypted {
		if ring, src, err = openEncryptedBackup(c, from, f); err != nil {
			return nil, err
		}
	} else {
		// A backup from before encryption: its values are plaintext, so a
		// new key file serves when the target has none.
		if ring, created, err = keyRing(c, true); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		fmt.Fprintf(stdout, "restore: note: %s is not encrypted (written before backups were encrypted); take a new backup and remove this one\n", from)
	}
	dsn := c.dsn()
	pg := sqlstore.IsPostgresDSN(dsn)
	if pg {
		err = restorePostgres(ctx, dsn, from, src, pgRestore, ring)
	} else {
		err = restoreSQLite(ctx, dsn, from, src)
	}
	var s *sqlstore.Store
	if err == nil {
		s, err = openMigrated(ctx, c, ring) // migrates a backup of an older version
		if err != nil && !pg {
			removeSQLite(dsn)
			if errors.Is(err, sqlstore.ErrKeyMismatch) {
				err = fmt.Errorf("restore: the restored database does not open with the key file %s, so it was removed again: %w", c.keyPath(), err)
			} else {
				err = fmt.Errorf("restore: the restored database does not open, so it was removed again: %w", err)
			}
		}
	}
	if err != nil && created {
		os.Remove(c.keyPath())
	}
	return s, err
}

// openMigrated opens the database of c with ring and migrates it; the
// migration checks that ring is the one its values are sealed with.
func openMigrated(ctx context.Context, c config, ring *fieldcrypt.Ring) (*sqlstore.Store, error) {
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{SyncNormal: c.SyncNormal, Keys: ring})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// restoreSQLite writes the backup (src decrypted, or the file from as it
// is) to dest.restoring, fsyncs and checks it, then renames it to dest, so
// a crash or a damaged backup never leaves a database under dest.
func restoreSQLite(ctx context.Context, dest, from string, src io.Reader) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("restore: %s already exists; restore into a clean data folder (move the old one aside first)", dest)
	}
	if src == nil {
		if err := sqlstore.CheckSQLiteFile(ctx, from, true); err != nil {
			return backupDamaged(err)
		}
		f, err := os.Open(from)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		src = f
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return err
	}
	tmp := dest + ".restoring"
	if err := writeFileSync(tmp, src); err != nil {
		if isStreamDamage(err) {
			return backupDamaged(err)
		}
		return fmt.Errorf("restore: %w", err)
	}
	if err := sqlstore.CheckSQLiteFile(ctx, tmp, true); err != nil {
		os.Remove(tmp)
		return backupDamaged(err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(filepath.Dir(dest))
}

// isStreamDamage: the encrypted backup was cut or altered.
func isStreamDamage(err error) bool {
	return errors.Is(err, fieldcrypt.ErrTruncated) || errors.Is(err, fieldcrypt.ErrTampered)
}

// restorePostgres pg_restores into the empty database dsn: src (the
// decrypted backup) streamed to pg_restore's input, or the file from.
func restorePostgres(ctx context.Context, dsn, from string, src io.Reader, pgRestore string, ring *fieldcrypt.Ring) error {
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: ring})
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
	args := []string{"--no-owner", "--exit-on-error", "--single-transaction", "--dbname", dsn}
	if src == nil {
		cmd := exec.CommandContext(ctx, bin, append(args, from)...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("restore: pg_restore: %v: %s", err, strings.TrimSpace(string(msg)))
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var msg bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msg, &msg
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("restore: pg_restore: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restore: pg_restore: %w", err)
	}
	in := &readErr{r: src}
	_, cerr := io.Copy(stdin, in)
	if in.err != nil {
		// Killed before it can commit its single transaction: nothing of a
		// damaged backup stays in the database.
		cancel()
		stdin.Close()
		cmd.Wait()
		return backupDamaged(in.err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("restore: pg_restore: %v: %s", err, strings.TrimSpace(msg.String()))
	}
	if cerr != nil {
		// pg_restore finished before the end of the archive: the rest must
		// still authenticate, or the backup was altered after its data.
		if _, err := io.Copy(io.Discard, in); err != nil {
			return fmt.Errorf("restore: pg_restore finished, but the rest of the backup is damaged; drop the database and restore again: %w", err)
		}
	}
	return nil
}

// readErr remembers the error of its reader, so a failed copy tells a
// damaged backup from a pg_restore that stopped reading.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}
