package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestWebEncryptionStatus: the audit page links the encryption at rest
// page; the auditor sees it in zh-CN and in English with the primary key,
// the fingerprints, the per-column counts by key and the rotation hint, and
// no ID number or sealed value; an agent gets 403.
func TestWebEncryptionStatus(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		a := env.Actor("agent_a1")
		var ids []string
		for i := range 2 {
			first17 := fmt.Sprintf("110105194912310%02d", 30+i)
			ids = append(ids, first17+string(customer.ResidentCheckDigit(first17)))
			c := &customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("静态%d", i), Mobile: fmt.Sprintf("1360013620%d", i),
				IDType: customer.IDResident, IDNumber: ids[i], OwnerID: a.UserID, Stage: customer.StageCustomer, Market: customer.MarketPersonal}
			if err := env.App.Customers.Create(context.Background(), a, c); err != nil {
				t.Fatal(err)
			}
		}
		ring := s.Keys()
		primaryFP, _ := ring.Fingerprint(ring.Primary())
		blindFP, _ := ring.Fingerprint(0)
		auditor := env.Login(t, "auditor")
		if p := wGet(t, auditor, env.URL+"/audit"); p.status != 200 || !strings.Contains(p.body, `href="/audit/encryption"`) {
			t.Fatalf("the audit page does not link the encryption page: %d", p.status)
		}
		idRow := regexp.MustCompile(`(?s)<tr data-column="customers.id_number">.*?</tr>`)
		check := func(lang string, want ...string) {
			t.Helper()
			p := wGet(t, auditor, env.URL+"/audit/encryption")
			if p.status != 200 {
				t.Fatalf("%s: %d", lang, p.status)
			}
			for _, w := range append(want, primaryFP, blindFP, "<code>guanxi keys rotate</code>", `data-column="user_mfa.secret"`,
				fmt.Sprintf(`<tr data-key="%d">`, ring.Primary())) {
				if !strings.Contains(p.body, w) {
					t.Errorf("%s: the page lacks %q", lang, w)
				}
			}
			row := idRow.FindString(p.body)
			for _, w := range []string{`data-count="total">2<`, `data-count="plaintext">0<`, fmt.Sprintf(`data-count="key-%d">2<`, ring.Primary())} {
				if !strings.Contains(row, w) {
					t.Errorf("%s: the ID number row lacks %q: %s", lang, w, row)
				}
			}
			for _, leak := range append(ids, "gx1:", "web.encryption.") {
				if strings.Contains(p.body, leak) {
					t.Errorf("%s: the page holds %q", lang, leak)
				}
			}
		}
		check("zh-CN", "静态加密", "客户证件号码", "两步验证（TOTP）密钥", "主密钥", fmt.Sprintf("新数据使用密钥 %d 加密", ring.Primary()))
		if _, err := s.DB().Exec("UPDATE users SET lang = 'en' WHERE username = 'auditor'"); err != nil {
			t.Fatal(err)
		}
		check("en", "Encryption at rest", "Customer ID numbers", "Two-factor (TOTP) secrets", "Primary",
			fmt.Sprintf("New values are encrypted with key %d.", ring.Primary()))

		if p := wGet(t, env.Login(t, "admin"), env.URL+"/audit/encryption"); p.status != 200 {
			t.Errorf("admin: %d", p.status)
		}
		if p := wGet(t, env.Login(t, "agent_a1"), env.URL+"/audit/encryption"); p.status != 403 || strings.Contains(p.body, primaryFP) {
			t.Errorf("agent: %d", p.status)
		}
	})
}
