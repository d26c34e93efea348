package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// schemaTables reads the live schema: table → columns.
func schemaTables(t *testing.T, s *sqlstore.Store) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	if s.Dialect() == sqlstore.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	}
	return columns(t, s.DB(), q)
}

// linkColumns are the columns that tie a row to a customer directly.
var linkColumns = []string{"customer_id", "survivor_id", "merged_id", "a_id", "b_id"}

// TestPrivacyMapCoversSchema fails when a table of the live schema is in
// neither the subject data map nor the list of tables without customer
// data, when a table with a customer link column is not in the map, or
// when the map names a table or column that does not exist.
func TestPrivacyMapCoversSchema(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		live := schemaTables(t, s)
		for table, cols := range live {
			_, mapped := privacy.Lookup(table)
			if !mapped {
				if _, ok := privacy.NotCustomerData[table]; !ok {
					t.Errorf("table %s is in neither privacy.Map nor privacy.NotCustomerData: say how a customer's rows are found and erased", table)
				}
			}
			for _, c := range cols {
				for _, l := range linkColumns {
					if c == l && !mapped {
						t.Errorf("table %s has customer link %s but is not in privacy.Map", table, c)
					}
				}
			}
		}
		for _, m := range privacy.Map {
			cols, ok := live[m.Name]
			if !ok {
				t.Errorf("privacy.Map names table %s, which does not exist", m.Name)
				continue
			}
			for _, c := range m.Cols {
				if !slices.Contains(cols, c.Name) {
					t.Errorf("privacy.Map scrubs %s.%s, which does not exist", m.Name, c.Name)
				}
			}
			if m.Erase != privacy.Special && m.Where == "" {
				t.Errorf("privacy.Map: %s has no predicate", m.Name)
			}
		}
	})
}

// TestPrivacyExportComplete (D5): every column of every mapped table
// appears in the subject's export, with the seeded values, in both formats;
// the export is audited without a value.
func TestPrivacyExportComplete(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		p := seedPrivacy(t, s, st)
		doc, err := s.SubjectDocument(ctx, st.Admin, p.ID, privacy.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		have := doc.Columns()
		live := schemaTables(t, s)
		for _, m := range privacy.Map {
			if m.Where == "" {
				continue
			}
			for _, c := range live[m.Name] {
				if !have[m.Name+"."+c] {
					t.Errorf("export lacks %s.%s", m.Name, c)
				}
			}
		}
		var js, zipped bytes.Buffer
		if err := doc.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		if err := doc.WriteCSVZip(&zipped); err != nil {
			t.Fatal(err)
		}
		for _, mk := range p.markers {
			// Markers of copies the map cannot link (files, cached
			// responses) are not part of the export.
			if strings.HasPrefix(mk, "MKRimpfile") || strings.HasPrefix(mk, "MKRimpprob") || strings.HasPrefix(mk, "MKRexp") || mk == "MKRidem" {
				continue
			}
			if !strings.Contains(js.String(), mk) {
				t.Errorf("JSON export lacks %s", mk)
			}
		}
		if zipped.Len() == 0 {
			t.Fatal("empty zip")
		}
		dumpHas(t, s, "audit_log", "MKR", 0)
		var n int
		if err := s.DB().QueryRowContext(ctx, rebindT(s, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND customer_id = ?"),
			"dsar.export", p.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("dsar.export audit rows = %d, %v", n, err)
		}
	})
}

func rebindT(s *sqlstore.Store, q string) string {
	if s.Dialect() == sqlstore.Postgres {
		n := 0
		var b strings.Builder
		for _, r := range q {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return q
}

// dumpHas counts cells of table (every table when "") holding needle and
// fails unless the count is want.
func dumpHas(t *testing.T, s *sqlstore.Store, table, needle string, want int) []string {
	t.Helper()
	hits := dumpHits(t, s, table, needle)
	if want >= 0 && len(hits) != want {
		t.Errorf("%d cells hold %q, want %d:\n%s", len(hits), needle, want, strings.Join(hits, "\n"))
	}
	return hits
}

// dumpHits lists the cells of table (every table when "") that hold any of
// needles, reading every column as text the way a copy of the database
// would be read.
func dumpHits(t *testing.T, s *sqlstore.Store, table string, needles ...string) []string {
	t.Helper()
	var hits []string
	names := []string{table}
	if table == "" {
		names = names[:0]
		for name := range schemaTables(t, s) {
			names = append(names, name)
		}
		sort.Strings(names)
	}
	for _, name := range names {
		rows, err := s.DB().QueryContext(context.Background(), "SELECT * FROM "+name)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var text string
				switch x := v.(type) {
				case []byte:
					text = string(x)
				default:
					text = fmt.Sprint(x)
				}
				for _, needle := range needles {
					if strings.Contains(text, needle) {
						hits = append(hits, name+"."+cols[i]+"="+text)
						break
					}
				}
			}
		}
		rows.Close()
	}
	return hits
}

// TestPrivacyErase (D6): after erasure no table of the database holds any
// seeded value; the other customer is untouched; the erasure is recorded
// pseudonymously and audited without values; a second erasure conflicts.
func TestPrivacyErase(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		p := seedPrivacy(t, s, st)
		if len(dumpHas(t, s, "", "MKR", -1)) < len(p.markers) {
			t.Fatal("seed did not write every marker")
		}
		if err := s.AnonymiseCustomer(ctx, st.Admin, p.ID, privacy.ReasonRequest); err != nil {
			t.Fatal(err)
		}
		// Only the other person whose name contains the subject's keeps it.
		dumpHas(t, s, "", "MKR", 1)
		dumpHas(t, s, "import_problems", "keptname", 1)
		// The unrelated customer, its stored response and export survive.
		dumpHas(t, s, "customers", "OTHER客户", 1)
		dumpHas(t, s, "idempotency_keys", "OTHER客户", 1)
		dumpHas(t, s, "import_problems", `"kept"`, 1)
		var status string
		if err := s.DB().QueryRowContext(ctx, "SELECT status FROM exports ORDER BY id LIMIT 1 OFFSET 1").Scan(&status); err != nil || status != "done" {
			t.Errorf("unrelated export status %q, %v", status, err)
		}
		var name, msg string
		var deleted sql.NullTime
		if err := s.DB().QueryRowContext(ctx, rebindT(s, "SELECT name, deleted_at FROM customers WHERE id = ?"), p.ID).Scan(&name, &deleted); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, privacy.PseudonymPrefix) || !deleted.Valid {
			t.Errorf("customer row: %q deleted=%v", name, deleted.Valid)
		}
		if err := s.DB().QueryRowContext(ctx, rebindT(s, "SELECT status FROM outbox_messages WHERE customer_id = ?"), p.ID).Scan(&msg); err != nil || msg != "cancelled" {
			t.Errorf("pending message %q, %v", msg, err)
		}
		list, err := erasuresOf(s.ListErasures(ctx, st.Admin, privacy.ErasureQuery{Limit: 10}))
		if err != nil || len(list) != 1 || list[0].Pseudonym != name || list[0].Reason != privacy.ReasonRequest {
			t.Fatalf("erasures %+v, %v", list, err)
		}
		var detail string
		if err := s.DB().QueryRowContext(ctx, rebindT(s, "SELECT detail FROM audit_log WHERE action = ?"), "privacy.erase").Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, name) {
			t.Errorf("erase audit detail %s lacks the pseudonym", detail)
		}
		err = s.AnonymiseCustomer(ctx, st.Admin, p.ID, privacy.ReasonRequest)
		if guanxi.KindOf(err) != guanxi.KindConflict {
			t.Errorf("second erasure: %v", err)
		}
		if broken, _, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("audit chain broken at %d, %v", broken, err)
		}
	})
}

// TestPrivacyLegalHold: a held customer cannot be erased (ErrLegalHold);
// release is version-checked; after release erasure goes ahead.
func TestPrivacyLegalHold(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		p := seedPrivacy(t, s, st)
		h, err := s.SetLegalHold(ctx, st.Admin, p.ID, "（2026）京01民初123号")
		if err != nil {
			t.Fatal(err)
		}
		err = s.AnonymiseCustomer(ctx, st.Admin, p.ID, privacy.ReasonRequest)
		if !errors.Is(err, privacy.ErrLegalHold) || guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("erase on hold: %v", err)
		}
		if err := s.ReleaseLegalHold(ctx, st.Admin, p.ID, h.ID, h.Version+1); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale release: %v", err)
		}
		if err := s.ReleaseLegalHold(ctx, st.Admin, p.ID, h.ID, h.Version); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLegalHold(ctx, st.Admin, p.ID, h.ID, h.Version+1); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("second release: %v", err)
		}
		holds, err := s.LegalHolds(ctx, st.Admin, p.ID)
		if err != nil || len(holds) != 2 || holds[0].Active() {
			t.Fatalf("holds %+v, %v", holds, err)
		}
		if err := s.AnonymiseCustomer(ctx, st.Admin, p.ID, privacy.ReasonRequest); err != nil {
			t.Fatal(err)
		}
		dumpHas(t, s, "legal_holds", "京01", 0)
	})
}

// TestPrivacyScope: without privacy.admin every call is Forbidden; an actor
// that cannot see the customer gets NotFound (a manager of another branch
// has no privacy.admin, so a scoped admin-like actor is simulated with the
// system flag off and an own scope).
func TestPrivacyScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		p := seedPrivacy(t, s, st)
		for _, a := range []guanxi.Actor{st.ManagerA, st.AgentA1, st.Auditor} {
			if _, err := s.SubjectDocument(ctx, a, p.ID, "json"); guanxi.KindOf(err) != guanxi.KindForbidden {
				t.Errorf("%s export: %v", a.Username, err)
			}
			if err := s.AnonymiseCustomer(ctx, a, p.ID, privacy.ReasonRequest); guanxi.KindOf(err) != guanxi.KindForbidden {
				t.Errorf("%s erase: %v", a.Username, err)
			}
			if _, err := s.SetLegalHold(ctx, a, p.ID, "x"); guanxi.KindOf(err) != guanxi.KindForbidden {
				t.Errorf("%s hold: %v", a.Username, err)
			}
		}
		for _, id := range []guanxi.ID{p.ID + 1000} {
			if _, err := s.SubjectDocument(ctx, st.Admin, id, "json"); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Errorf("missing export: %v", err)
			}
			if err := s.AnonymiseCustomer(ctx, st.Admin, id, privacy.ReasonRequest); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Errorf("missing erase: %v", err)
			}
			if _, err := s.LegalHolds(ctx, st.Admin, id); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Errorf("missing holds: %v", err)
			}
		}
		if err := s.AnonymiseCustomer(ctx, st.Admin, p.ID, "because"); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("free-text reason: %v", err)
		}
	})
}
