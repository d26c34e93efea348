package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// auditOf returns the rows of action in s, newest first.
func auditOf(t *testing.T, s *sqlstore.Store, action string) []audit.Entry {
	t.Helper()
	es, err := s.ListAudit(context.Background(), audit.Filter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// checkBackupRow checks one backup or restore row (TESTPLAN E1): UTC time,
// the OS user who ran the command, the file as object, the outcome.
func checkBackupRow(t *testing.T, e audit.Entry, action, file, outcome string) {
	t.Helper()
	var d struct {
		File string `json:"file"`
	}
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		t.Fatalf("detail %q: %v", e.Detail, err)
	}
	want := privacyActor(env(nil)).Username
	if e.Action != action || e.ActorName != want || e.ObjectType != "backup" || d.File != filepath.Base(file) ||
		e.Outcome != outcome || e.At.IsZero() || zoneOffset(e.At) != 0 || time.Since(e.At) > time.Hour {
		t.Fatalf("audit row %+v, want %s by %s of %s, %s", e, action, want, filepath.Base(file), outcome)
	}
}

// checkBackupAuditRows: each backup wrote one row into the source, after
// its snapshot (so the second backup holds the first's row, not its own);
// each restore wrote one row into its copy, right after the chain the
// backup brought.
func checkBackupAuditRows(t *testing.T, src, r1, r2 *sqlstore.Store, file2 string) {
	t.Helper()
	backups := auditOf(t, src, audit.ActionBackup)
	if len(backups) != 2 || len(auditOf(t, src, audit.ActionBackupRestore)) != 0 {
		t.Fatalf("source: %d backup rows, want 2", len(backups))
	}
	checkBackupRow(t, backups[0], audit.ActionBackup, file2, "ok")
	if backups[1].Detail == backups[0].Detail {
		t.Fatalf("both backup rows name the same file: %s", backups[0].Detail)
	}
	for i, r := range []*sqlstore.Store{r1, r2} {
		restores := auditOf(t, r, audit.ActionBackupRestore)
		if len(restores) != 1 {
			t.Fatalf("restore %d: %d restore rows, want 1", i+1, len(restores))
		}
		if n := len(auditOf(t, r, audit.ActionBackup)); n != i {
			t.Fatalf("restore %d holds %d backup rows, want %d", i+1, n, i)
		}
		last, err := r.ListAudit(context.Background(), audit.Filter{Limit: 1})
		if err != nil || len(last) != 1 || last[0].Seq != restores[0].Seq {
			t.Fatalf("restore %d: the restore row is not the newest: %+v %v", i+1, last, err)
		}
	}
	restore := auditOf(t, r2, audit.ActionBackupRestore)[0]
	checkBackupRow(t, restore, audit.ActionBackupRestore, file2, "ok")
	// The copy's chain goes on from where the source's was at the snapshot.
	if restore.PrevHash != backups[0].PrevHash {
		t.Fatalf("restore row follows %s, the backup was taken after %s", restore.PrevHash, backups[0].PrevHash)
	}
	if broken, _, err := r2.VerifyAudit(context.Background()); err != nil || broken != 0 {
		t.Fatalf("restored chain with its restore row: broken at %d, %v", broken, err)
	}
}

// TestBackupAuditFailed: a backup that cannot be written is audited in the
// live database with outcome failed, and the command fails.
func TestBackupAuditFailed(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	src := newBackupSource(t, filepath.Join(data, "guanxi.db"), filepath.Join(data, "guanxi.key"))
	out := filepath.Join(root, "no-such-folder", "x.db"+encryptedExt)
	err := run(context.Background(), []string{"backup", "--data", data, "--out", out}, env(nil), nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("a backup into a missing folder succeeded")
	}
	rows := auditOf(t, src.s, audit.ActionBackup)
	if len(rows) != 1 {
		t.Fatalf("%d backup rows after a failed backup, want 1", len(rows))
	}
	checkBackupRow(t, rows[0], audit.ActionBackup, out, "failed")
}

// zoneOffset is t's offset from UTC in seconds (audit times are UTC).
func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}
