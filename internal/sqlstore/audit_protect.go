package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

// auditAnchor is where verification resumes after a retention purge: the
// seq and hash of the last purged row (0 and "" before any purge).
type auditAnchor struct {
	Seq  int64  `db:"seq"`
	Hash string `db:"hash"`
}

func (s *Store) readAuditAnchor(ctx context.Context, q sqlx.QueryerContext) (auditAnchor, error) {
	var a auditAnchor
	err := sqlx.GetContext(ctx, q, &a, "SELECT seq, hash FROM audit_anchor WHERE id = 1")
	if errors.Is(err, sql.ErrNoRows) {
		return auditAnchor{}, nil
	}
	return a, wrap(err)
}

// auditAnchorAttested reports whether the chain holds the retention run
// that set the anchor: without it the anchor table itself was edited.
func (s *Store) auditAnchorAttested(ctx context.Context, a auditAnchor) (bool, error) {
	if a.Seq == 0 {
		return a.Hash == "", nil
	}
	var details []string
	err := s.r.SelectContext(ctx, &details, s.rebind(`SELECT detail FROM audit_log
        WHERE action = ? AND object_type = 'audit_log' AND object_id = ?`), audit.ActionRetentionRun, a.Seq)
	if err != nil {
		return false, wrap(err)
	}
	for _, d := range details {
		if strings.Contains(d, `"hash":"`+a.Hash+`"`) {
			return true, nil
		}
	}
	return false, nil
}

// auditPurgeMax bounds one purge transaction; the daily job loops.
const auditPurgeMax = 20000

// PurgeAudit deletes audit rows older than before, oldest first, and only
// a prefix of the chain (rows up to the first one not old enough), at most
// max rows per transaction. Each step appends its own retention.run row
// naming the last purged seq and hash and moves the anchor there, so the
// remaining chain still verifies. The database refuses to delete rows
// younger than 180 days whatever before says. It returns the rows purged.
func (s *Store) PurgeAudit(ctx context.Context, a guanxi.Actor, before time.Time, max int) (int64, error) {
	if max <= 0 || max > auditPurgeMax {
		max = auditPurgeMax
	}
	var total int64
	for ctx.Err() == nil {
		var n int64
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			anchor, err := s.readAuditAnchor(ctx, tx)
			if err != nil {
				return err
			}
			// The first row young enough to keep bounds the prefix.
			var keep sql.NullInt64
			if err := tx.GetContext(ctx, &keep, s.rebind("SELECT MIN(seq) FROM audit_log WHERE at >= ?"), before.UTC()); err != nil {
				return wrap(err)
			}
			through := anchor.Seq + int64(max)
			if keep.Valid && keep.Int64-1 < through {
				through = keep.Int64 - 1
			}
			var last struct {
				Seq  int64  `db:"seq"`
				Hash string `db:"hash"`
			}
			err = tx.GetContext(ctx, &last, s.rebind("SELECT seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq DESC LIMIT 1"), through)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && last.Seq <= anchor.Seq) {
				return nil
			}
			if err != nil {
				return wrap(err)
			}
			res, err := tx.ExecContext(ctx, s.rebind("DELETE FROM audit_log WHERE seq <= ?"), last.Seq)
			if err != nil {
				return wrap(err)
			}
			n, _ = res.RowsAffected()
			if _, err := tx.ExecContext(ctx, s.rebind("UPDATE audit_anchor SET seq = ?, hash = ? WHERE id = 1"), last.Seq, last.Hash); err != nil {
				return wrap(err)
			}
			e := audit.New(a, audit.ActionRetentionRun, "audit_log", guanxi.ID(last.Seq),
				map[string]any{"hash": last.Hash, "rows": n, "before": before.UTC().Format(time.RFC3339)})
			return s.appendAudit(ctx, tx, e)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			break
		}
	}
	return total, ctx.Err()
}
