package web_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestPrivacyPages drives a customer's personal-data rights through the
// web UI: the admin downloads the copy in both formats, others get 403 and
// unknown ids 404; a legal hold refuses erasure with its message on the
// page; a wrong typed number changes nothing; after release the customer
// is erased, anonymised and listed by pseudonym only.
func TestPrivacyPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		admin, agent := env.Login(t, "admin"), env.Login(t, "agent_a1")
		adminActor := env.Actor("admin")
		msg := func(key string) string { return html.EscapeString(env.App.I18n.T(i18n.Default, key, nil)) }
		const name, mobile = "隐私网页", "13600136888"
		c := env.Customer(t, "agent_a1", name, mobile)
		cu := fmt.Sprintf("%s/customers/%d", env.URL, c.ID)
		pu := cu + "/privacy"

		// The customer page links the privacy page for the admin only.
		link := fmt.Sprintf(`href="/customers/%d/privacy"`, c.ID)
		if p := wGet(t, admin, cu); p.status != 200 || !strings.Contains(p.body, link) {
			t.Fatalf("admin customer page: %d, link %v", p.status, strings.Contains(p.body, link))
		}
		if p := wGet(t, agent, cu); p.status != 200 || strings.Contains(p.body, link) {
			t.Fatalf("agent customer page: %d, link %v", p.status, strings.Contains(p.body, link))
		}

		// Only privacy.admin reaches the pages; unknown ids are 404.
		for _, p := range []workPage{wGet(t, agent, pu), wPost(t, agent, pu+"/export", url.Values{"format": {"json"}}),
			wGet(t, agent, env.URL+"/admin/erasures")} {
			if p.status != http.StatusForbidden {
				t.Fatalf("agent: %d", p.status)
			}
		}
		missing := env.URL + "/customers/999999/privacy"
		for _, p := range []workPage{wGet(t, admin, missing), wPost(t, admin, missing+"/export", url.Values{"format": {"json"}}),
			wPost(t, admin, missing+"/holds", url.Values{"reason": {"x"}}),
			wPost(t, admin, missing+"/erase", url.Values{"reason": {"subject_request"}, "confirm": {c.Number}}),
			wPost(t, admin, missing+"/holds/1/release", url.Values{"version": {"1"}})} {
			if p.status != http.StatusNotFound {
				t.Fatalf("unknown customer: %d", p.status)
			}
		}

		p := wGet(t, admin, pu)
		if p.status != 200 || !strings.Contains(p.body, c.Number) || !strings.Contains(p.body, name) ||
			!strings.Contains(p.body, `data-confirm=`) || !strings.Contains(p.body, msg("privacy.no_holds")) {
			t.Fatalf("privacy page: %d\n%s", p.status, p.body)
		}

		// The JSON copy is the privacy document: every mapped table, the
		// customer's unmasked values.
		p = wPost(t, admin, pu+"/export", url.Values{"format": {"json"}})
		if p.status != 200 || p.header.Get("Content-Type") != "application/json" || p.header.Get("Cache-Control") != "no-store" ||
			!strings.Contains(p.header.Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="customer-%d.json"`, c.ID)) {
			t.Fatalf("json copy: %d %v", p.status, p.header)
		}
		var doc privacy.Document
		if err := json.Unmarshal([]byte(p.body), &doc); err != nil {
			t.Fatalf("json copy: %v\n%s", err, p.body)
		}
		if doc.CustomerID != c.ID || doc.Number != c.Number || !strings.Contains(p.body, mobile) || !strings.Contains(p.body, name) {
			t.Fatalf("json copy holds %d %q, mobile %v", doc.CustomerID, doc.Number, strings.Contains(p.body, mobile))
		}
		var want, got []string
		for _, m := range privacy.Map {
			if m.Where != "" {
				want = append(want, m.Name)
			}
		}
		for _, tr := range doc.Tables {
			got = append(got, tr.Table)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("json copy tables %v, want %v", got, want)
		}

		// The CSV copy is a zip of one file per table.
		p = wPost(t, admin, pu+"/export", url.Values{"format": {"csv"}})
		if p.status != 200 || p.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("csv copy: %d %v", p.status, p.header)
		}
		if body := zipFile(t, p.body, "customers.csv"); !strings.Contains(body, mobile) || !strings.Contains(body, name) {
			t.Fatalf("customers.csv: %q", body)
		}
		if p = wPost(t, admin, pu+"/export", url.Values{"format": {"xml"}}); p.status != http.StatusBadRequest ||
			!strings.Contains(p.body, `class="ferr"`) {
			t.Fatalf("bad format: %d", p.status)
		}

		// A hold needs a reason; with one it is listed as active.
		if p = wPost(t, admin, pu+"/holds", url.Values{"reason": {"  "}}); p.status != http.StatusBadRequest ||
			!strings.Contains(p.body, `class="ferr"`) {
			t.Fatalf("hold without reason: %d", p.status)
		}
		const caseRef = "（2026）沪01民初1号"
		if p = wPost(t, admin, pu+"/holds", url.Values{"reason": {caseRef}}); p.status != http.StatusSeeOther || p.loc != "/customers/"+fmt.Sprint(c.ID)+"/privacy" {
			t.Fatalf("hold: %d %q", p.status, p.loc)
		}
		if p = wGet(t, admin, pu); !strings.Contains(p.body, caseRef) || !strings.Contains(p.body, msg("privacy.hold_active")) ||
			!strings.Contains(p.body, msg("privacy.hold_set")) {
			t.Fatalf("hold not listed:\n%s", p.body)
		}

		// The hold refuses erasure with its message on the page.
		erase := url.Values{"reason": {privacy.ReasonRequest}, "confirm": {c.Number}}
		if p = wPost(t, admin, pu+"/erase", erase); p.status != http.StatusConflict ||
			!strings.Contains(p.body, "<strong>"+msg("privacy.on_hold")+"</strong>") {
			t.Fatalf("erase on hold: %d\n%s", p.status, p.body)
		}
		unchanged(t, env, c.ID, name, c.Version)

		// Release: a stale version is refused, the current one works.
		holds, err := env.App.Privacy.Holds(ctx, adminActor, c.ID)
		if err != nil || len(holds) != 1 || !holds[0].Active() {
			t.Fatalf("holds: %+v %v", holds, err)
		}
		rel := fmt.Sprintf("%s/holds/%d/release", pu, holds[0].ID)
		if p = wPost(t, admin, rel, url.Values{"version": {fmt.Sprint(holds[0].Version + 5)}}); p.status != http.StatusPreconditionFailed {
			t.Fatalf("stale release: %d", p.status)
		}
		if p = wPost(t, admin, rel, url.Values{"version": {fmt.Sprint(holds[0].Version)}}); p.status != http.StatusSeeOther {
			t.Fatalf("release: %d %s", p.status, p.body)
		}
		if holds, err = env.App.Privacy.Holds(ctx, adminActor, c.ID); err != nil || len(holds) != 1 || holds[0].Active() {
			t.Fatalf("after release: %+v %v", holds, err)
		}
		if p = wGet(t, admin, pu); strings.Contains(p.body, msg("privacy.hold_active")) || strings.Contains(p.body, "/release") {
			t.Fatalf("released hold still active on the page")
		}

		// A wrong typed number (or reason) is a field error and changes nothing.
		p = wPost(t, admin, pu+"/erase", url.Values{"reason": {privacy.ReasonRequest}, "confirm": {"C-WRONG"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `<span class="ferr">`+msg("privacy.confirm_mismatch")) {
			t.Fatalf("wrong confirmation: %d\n%s", p.status, p.body)
		}
		if p = wPost(t, admin, pu+"/erase", url.Values{"reason": {"because"}, "confirm": {c.Number}}); p.status != http.StatusBadRequest {
			t.Fatalf("bad reason: %d", p.status)
		}
		unchanged(t, env, c.ID, name, c.Version)

		// Erasure: the customer leaves the live list, its data is blanked
		// and the record is listed by pseudonym only.
		if p = wPost(t, admin, pu+"/erase", erase); p.status != http.StatusSeeOther || p.loc != "/admin/erasures" {
			t.Fatalf("erase: %d %q\n%s", p.status, p.loc, p.body)
		}
		if _, err := env.App.Customers.Get(ctx, adminActor, c.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("erased customer still live: %v", err)
		}
		after, err := env.App.Privacy.Export(ctx, adminActor, c.ID, privacy.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		// The audit log keeps its rows (append-only); the customer row is
		// what must no longer name the person.
		row := fmt.Sprint(tableRows(after, "customers"))
		if strings.Contains(row, mobile) || strings.Contains(row, name) || !strings.Contains(row, privacy.PseudonymPrefix) {
			t.Fatalf("not anonymised: %s", row)
		}
		p = wGet(t, admin, env.URL+"/admin/erasures")
		if p.status != 200 || !strings.Contains(p.body, privacy.PseudonymPrefix) || strings.Contains(p.body, name) ||
			!strings.Contains(p.body, msg("privacy.erase_done")) || !strings.Contains(p.body, msg("privacy.reason.subject_request")) {
			t.Fatalf("erasures page: %d\n%s", p.status, p.body)
		}
		// The page of an erased customer still opens by number; a second
		// erasure is refused on it.
		if p = wGet(t, admin, pu); p.status != 200 || !strings.Contains(p.body, c.Number) {
			t.Fatalf("erased customer's page: %d", p.status)
		}
		if p = wPost(t, admin, pu+"/erase", erase); p.status != http.StatusConflict || !strings.Contains(p.body, msg("privacy.already_erased")) {
			t.Fatalf("second erase: %d", p.status)
		}
	})
}

// unchanged fails when the customer was changed or left the live list.
func unchanged(t *testing.T, env *servertest.Env, id guanxi.ID, name string, version int64) {
	t.Helper()
	got, err := env.App.Customers.Get(context.Background(), env.Actor("admin"), id)
	if err != nil || got.Name != name || got.Version != version || got.Mobile == "" {
		t.Fatalf("customer changed: %+v %v", got, err)
	}
}

func tableRows(d *privacy.Document, table string) [][]any {
	for _, tr := range d.Tables {
		if tr.Table == table {
			return tr.Rows
		}
	}
	return nil
}

func zipFile(t *testing.T, body, name string) string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("zip has no %s", name)
	return ""
}

// TestPrivacyTemplateKeysExist checks the privacy message keys the new
// templates use (the shared key test covers web.* and field.* only).
func TestPrivacyTemplateKeysExist(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile(`"(privacy\.[a-z0-9_.]+)"`)
	n := 0
	for _, f := range []string{"templates/privacy_customer.html", "templates/erasures_admin.html", "templates/layout.html", "privacy.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			if m[1] == string(guanxi.PermPrivacyAdmin) || strings.HasSuffix(m[1], ".") {
				continue
			}
			n++
			for _, lang := range i18n.Langs {
				if !b.Has(lang, m[1]) {
					t.Errorf("%s: key %q has no %s text", f, m[1], lang)
				}
			}
		}
	}
	// Keys built with printf: every reason and format.
	for _, k := range append(append([]string{}, privacy.Reasons...), privacy.FormatJSON, privacy.FormatCSV) {
		key := "privacy.reason." + k
		if k == privacy.FormatJSON || k == privacy.FormatCSV {
			key = "privacy.format." + k
		}
		n++
		for _, lang := range i18n.Langs {
			if !b.Has(lang, key) {
				t.Errorf("key %q has no %s text", key, lang)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d keys found: the pattern no longer matches the templates", n)
	}
}
