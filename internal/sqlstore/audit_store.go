package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi/internal/audit"
)

type auditQueries struct {
	AuditHeadLock  string `q:"audit-head-lock"`
	AuditHeadMove  string `q:"audit-head-move"`
	AuditInsert    string `q:"audit-insert"`
	AuditChainPage string `q:"audit-chain-page"`
}

// appendAudit adds entries to the chain inside tx. The caller's change and
// its audit rows commit together or not at all.
func (s *Store) appendAudit(ctx context.Context, tx *sqlx.Tx, entries ...audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := tx.GetContext(ctx, &head, s.q.AuditHeadLock); err != nil {
		return wrap(err)
	}
	now := s.nowUTC()
	for _, e := range entries {
		e.Seq = head.Seq + 1
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC().Truncate(time.Microsecond)
		if e.Outcome == "" {
			e.Outcome = "ok"
		}
		if e.Detail == "" {
			e.Detail = "{}"
		}
		e.PrevHash = head.Hash
		e.Hash = audit.ComputeHash(e, head.Hash)
		if _, err := tx.NamedExecContext(ctx, s.q.AuditInsert, e); err != nil {
			return wrap(err)
		}
		head.Seq, head.Hash = e.Seq, e.Hash
	}
	_, err := tx.ExecContext(ctx, s.q.AuditHeadMove, head.Seq, head.Hash)
	return wrap(err)
}

// Audit appends entries in their own transaction (events with no other
// change: login, reveal, export, denied access).
func (s *Store) Audit(ctx context.Context, entries ...audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error { return s.appendAudit(ctx, tx, entries...) })
}

// VerifyAudit walks the whole chain and returns the seq of the first broken
// link (0 when intact) and the number of rows checked. After a retention
// purge it starts at the anchor (the last purged row), which must be
// attested by the purge's own retention.run row in the chain.
func (s *Store) VerifyAudit(ctx context.Context) (broken int64, checked int64, err error) {
	anchor, err := s.readAuditAnchor(ctx, s.r)
	if err != nil {
		return 0, 0, err
	}
	prev, prevSeq := anchor.Hash, anchor.Seq
	for {
		var page []audit.Entry
		if err := s.r.SelectContext(ctx, &page, withLimit(s.q.AuditChainPage, 5000), prevSeq); err != nil {
			return 0, checked, wrap(err)
		}
		if len(page) == 0 {
			break
		}
		if b := audit.Verify(page, prev, prevSeq); b != 0 {
			return b, checked, nil
		}
		checked += int64(len(page))
		last := page[len(page)-1]
		prev, prevSeq = last.Hash, last.Seq
	}
	// A deleted tail is caught by comparing with the head row.
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := s.r.GetContext(ctx, &head, strings.TrimSuffix(strings.TrimSpace(s.q.AuditHeadLock), " FOR UPDATE")); err != nil {
		return 0, checked, wrap(err)
	}
	if head.Seq != prevSeq || head.Hash != prev {
		return prevSeq + 1, checked, nil
	}
	if ok, err := s.auditAnchorAttested(ctx, anchor); err != nil || !ok {
		return anchor.Seq + 1, checked, err
	}
	return 0, checked, nil
}
