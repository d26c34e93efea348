package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestConsentLedger is TESTPLAN D4: grant, withdraw and re-grant a purpose;
// the next dispatch after a withdrawal suppresses; every event keeps its
// notice version; the ledger refuses UPDATE and DELETE at the database.
func TestConsentLedger(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		rec := &recorder{}
		e.svc.Senders = map[string]outbox.Sender{outbox.ChannelSMS: rec, outbox.ChannelEmail: rec}
		cid := e.customer(t, "李四", "13700000001", "", nil)
		agent := e.f.AgentA1

		grant := []consent.Change{{Purpose: consent.PurposeMarketing, Channel: "sms", Action: consent.Grant}}
		evs, err := s.RecordConsent(ctx, agent, cid, grant, consent.SourcePage, "signed form")
		if err != nil || len(evs) != 1 || evs[0].NoticeVersion != "1" {
			t.Fatalf("grant: %+v %v", evs, err)
		}
		if again, err := s.RecordConsent(ctx, agent, cid, grant, consent.SourcePage, ""); err != nil || len(again) != 0 {
			t.Fatalf("repeat grant appended %d rows: %v", len(again), err)
		}
		if c := getCustomer(t, s, e.admin, cid); !c.Consent["sms"] {
			t.Fatalf("summary not synced: %v", c.Consent)
		}
		q := func(key string) guanxi.ID {
			return e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, Purpose: outbox.PurposeMarketing, CustomerID: ptr(cid),
				Template: "care.greeting", IdemKey: key, Locale: "en", Vars: map[string]string{"text": "hi"}})
		}
		first := q("m1")
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, first); m.Status != outbox.StatusSent {
			t.Fatalf("granted message %s %q", m.Status, m.LastError)
		}

		// Withdraw: the very next dispatch suppresses.
		withdraw := []consent.Change{{Purpose: consent.PurposeMarketing, Channel: "sms", Action: consent.Withdraw}}
		if evs, err := s.RecordConsent(ctx, agent, cid, withdraw, consent.SourcePage, ""); err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		second := q("m2")
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, second); m.Status != outbox.StatusSuppressed || m.LastError != outbox.ReasonWithdrawn {
			t.Fatalf("after withdrawal: %s %q", m.Status, m.LastError)
		}
		// Service on the same channel is not touched by a marketing withdrawal.
		svc := e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, Purpose: outbox.PurposeService, CustomerID: ptr(cid),
			Template: "care.greeting", IdemKey: "s1", Locale: "en", Vars: map[string]string{"text": "hi"}})
		if c := getCustomer(t, s, e.admin, cid); c.Consent["sms"] {
			t.Fatalf("summary still true: %v", c.Consent)
		}

		// Re-grant under a new notice version.
		if _, err := s.DB().ExecContext(ctx, rebindQ(s, "INSERT INTO settings (key, value, version, updated_at) VALUES ('privacy.notice_version', '2026-11', 1, ?)"), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if evs, err := s.RecordConsent(ctx, agent, cid, grant, consent.SourcePage, ""); err != nil || len(evs) != 1 || evs[0].NoticeVersion != "2026-11" {
			t.Fatal(evs, err)
		}
		third := q("m3")
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[guanxi.ID]string{third: outbox.StatusSent, svc: outbox.StatusSent} {
			if m := e.get(t, id); m.Status != want {
				t.Fatalf("%s: %s %q", m.IdemKey, m.Status, m.LastError)
			}
		}

		hist, st, err := historyOf(s.ConsentEvents(ctx, agent, cid, consent.EventQuery{}))
		if err != nil || len(hist) != 3 || st[consent.Key{Purpose: "marketing", Channel: "sms"}] != consent.Grant {
			t.Fatalf("history %+v state %v: %v", hist, st, err)
		}
		if hist[0].NoticeVersion != "2026-11" || hist[1].NoticeVersion != "" || hist[2].NoticeVersion != "1" || hist[2].Note != "signed form" {
			t.Fatalf("notice versions %+v", hist)
		}
		if g, w := auditRows(t, s, "consent.grant"), auditRows(t, s, "consent.withdraw"); g != 2 || w != 1 {
			t.Fatalf("audit grant %d withdraw %d", g, w)
		}

		// Scope: another agent's customer is not found; bad input is invalid.
		if _, _, err := s.ConsentEvents(ctx, e.f.AgentB, cid, consent.EventQuery{}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope read: %v", err)
		}
		if _, err := s.RecordConsent(ctx, e.f.AgentB, cid, grant, consent.SourcePage, ""); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope write: %v", err)
		}
		bad := []consent.Change{{Purpose: "spam", Channel: "sms", Action: consent.Grant}}
		if _, err := s.RecordConsent(ctx, agent, cid, bad, consent.SourcePage, ""); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("bad purpose: %v", err)
		}
		if _, err := s.RecordConsent(ctx, e.f.Auditor, cid, grant, consent.SourcePage, ""); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("auditor write: %v", err)
		}

		// The database itself refuses edits of the ledger.
		for _, raw := range []string{
			"UPDATE consent_events SET action = 'grant' WHERE customer_id = ?",
			"DELETE FROM consent_events WHERE customer_id = ?",
		} {
			if _, err := s.DB().ExecContext(ctx, rebindQ(s, raw), cid); err == nil {
				t.Fatalf("%s: not refused", raw)
			}
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, rebindQ(s, "SELECT COUNT(*) FROM consent_events WHERE customer_id = ?"), cid).Scan(&n); err != nil || n != 3 {
			t.Fatalf("ledger rows %d: %v", n, err)
		}
	})
}

// TestConsentUnsubscribeLedger: the unsubscribe link writes withdrawals of
// care and marketing to the ledger, so a care message is then suppressed.
func TestConsentUnsubscribeLedger(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		cid := e.customer(t, "赵六", "13700000002", "z@example.com", map[string]bool{"email": true})
		if _, err := s.Unsubscribe(ctx, guanxi.SystemActor("unsubscribe"), cid, "email", "link"); err != nil {
			t.Fatal(err)
		}
		hist, st, err := historyOf(s.ConsentEvents(ctx, e.admin, cid, consent.EventQuery{}))
		if err != nil || len(hist) < 2 || hist[0].Source != consent.SourceUnsubscribe || hist[1].Source != consent.SourceUnsubscribe {
			t.Fatalf("%+v %v", hist, err)
		}
		for _, p := range consent.UnsubscribePurposes {
			if st[consent.Key{Purpose: p, Channel: "email"}] != consent.Withdraw {
				t.Fatalf("state %v", st)
			}
		}
		if changed, err := s.Unsubscribe(ctx, guanxi.SystemActor("unsubscribe"), cid, "email", "link"); changed || err != nil {
			t.Fatal("repeat changed", err)
		}
	})
}
