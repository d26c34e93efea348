package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// TestHoldingEditPage edits a loan: the account number is never put in
// the page, an empty input keeps it, attributes round-trip, a stale version
// is refused without a write, and delete removes it.
func TestHoldingEditPage(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	c := &customer.Customer{Kind: customer.Person, Name: "王五", Stage: customer.StageCustomer, OwnerID: 2}
	if err := e.app.Customers.Create(ctx, e.admin, c); err != nil {
		t.Fatal(err)
	}
	hd := &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "经营贷", Reference: "6222020200112233445",
		AmountMinor: 50_000_000, Status: "normal", Attrs: map[string]any{"rate": "4.35%"}}
	if err := e.app.Customers.SaveHolding(ctx, e.admin, hd, 0); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/customers/%d/holdings/%d", c.ID, hd.ID)

	page := e.do(t, "admin", "GET", base+"/edit", nil)
	if page.status != http.StatusOK || strings.Contains(page.body, "6222020200112233445") {
		t.Fatalf("edit page: %d, plaintext account present: %v", page.status, strings.Contains(page.body, "6222020200112233445"))
	}
	if !strings.Contains(page.body, "3445") || !strings.Contains(page.body, "rate: 4.35%") {
		t.Fatalf("edit page lacks the masked account or the attributes")
	}

	form := url.Values{"version": {"1"}, "kind": {"loan"}, "name": {"经营贷（续贷）"}, "reference": {""}, "amount": {"600,000.00"},
		"balance": {"420000"}, "currency": {"CNY"}, "opened_on": {"2025-03-01"}, "due_on": {"2028-03-01"}, "status": {"overdue"},
		"attrs": {"rate: 4.35%\n逾期天数：12\nterm_months = 36"}}
	if r := e.do(t, "admin", "POST", base, form); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	got, err := e.app.Customers.Holding(ctx, e.admin, c.ID, hd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reference != hd.Reference || got.Name != "经营贷（续贷）" || got.AmountMinor != 60_000_000 || got.BalanceMinor != 42_000_000 ||
		got.Status != "overdue" || got.Version != 2 {
		t.Fatalf("after update: %+v", got)
	}
	if got.Attrs["逾期天数"] != float64(12) || got.Attrs["rate"] != "4.35%" || len(got.Attrs) != 3 {
		t.Fatalf("attrs: %#v", got.Attrs)
	}

	// The same version again is stale: refused, nothing written.
	form.Set("name", "不该写入")
	if r := e.do(t, "admin", "POST", base, form); r.status != http.StatusConflict && r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale update: %d", r.status)
	}
	// A malformed attribute line names the line and writes nothing.
	form.Set("version", "2")
	form.Set("attrs", "just text")
	r := e.do(t, "admin", "POST", base, form)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "第 1 行") {
		t.Fatalf("bad attrs: %d", r.status)
	}
	if again, _ := e.app.Customers.Holding(ctx, e.admin, c.ID, hd.ID); again.Version != 2 || again.Name != "经营贷（续贷）" {
		t.Fatalf("rejected writes changed the holding: %+v", again)
	}

	// The customer page shows the status label and the attributes.
	show := e.do(t, "admin", "GET", fmt.Sprintf("/customers/%d", c.ID), nil)
	if !strings.Contains(show.body, "逾期") || !strings.Contains(show.body, "逾期天数") || strings.Contains(show.body, "6222020200112233445") {
		t.Fatalf("customer page holding row wrong")
	}

	if r := e.do(t, "admin", "POST", base+"/delete", url.Values{"version": {"2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if _, err := e.app.Customers.Holding(ctx, e.admin, c.ID, hd.ID); err == nil {
		t.Fatal("holding still there after delete")
	}
}

// TestContactEditPage keeps a masked mobile when its input stays empty,
// clears it when asked, and refuses a contact id of another customer.
func TestContactEditPage(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	org := &customer.Customer{Kind: customer.Org, Name: "杭州西湖茶业有限公司", Stage: customer.StageCustomer, OwnerID: 2}
	other := &customer.Customer{Kind: customer.Org, Name: "宁波港贸易有限公司", Stage: customer.StageCustomer, OwnerID: 2}
	for _, c := range []*customer.Customer{org, other} {
		if err := e.app.Customers.Create(ctx, e.admin, c); err != nil {
			t.Fatal(err)
		}
	}
	ct := &customer.Contact{CustomerID: org.ID, Name: "方龙", Mobile: "13812345678", Title: "主任"}
	if err := e.app.Customers.SaveContact(ctx, e.admin, ct, 0); err != nil {
		t.Fatal(err)
	}
	// The customer page shows the contact's mobile masked, with a reveal
	// button for staff who may reveal phones.
	show := e.do(t, "agent", "GET", fmt.Sprintf("/customers/%d", org.ID), nil)
	if !strings.Contains(show.body, "138****5678") || strings.Contains(show.body, "13812345678") ||
		!strings.Contains(show.body, `name="field" value="contact_mobile"`) {
		t.Fatal("contact mobile not masked with a reveal button")
	}
	if r := e.do(t, "agent", "POST", fmt.Sprintf("/customers/%d/reveal", org.ID),
		url.Values{"field": {"contact_mobile"}, "sub_id": {fmt.Sprint(ct.ID)}, "reason": {"核实"}}); r.status != 200 || !strings.Contains(r.body, "13812345678") {
		t.Fatalf("reveal contact mobile: %d", r.status)
	}
	base := fmt.Sprintf("/customers/%d/contacts/%d", org.ID, ct.ID)
	page := e.do(t, "agent", "GET", base+"/edit", nil)
	if page.status != http.StatusOK || strings.Contains(page.body, "13812345678") || !strings.Contains(page.body, "138****5678") {
		t.Fatalf("edit page: %d", page.status)
	}
	if r := e.do(t, "agent", "POST", base, url.Values{"version": {"1"}, "name": {"方龙"}, "title": {"副总经理"}, "mobile": {""}}); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	cts, _ := e.app.Customers.Contacts(ctx, e.admin, org.ID)
	if len(cts) != 1 || cts[0].Mobile != "13812345678" || cts[0].Title != "副总经理" {
		t.Fatalf("kept mobile: %+v", cts)
	}
	if r := e.do(t, "agent", "POST", base, url.Values{"version": {"2"}, "name": {"方龙"}, "mobile_clear": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("clear: %d %s", r.status, r.body)
	}
	cts, _ = e.app.Customers.Contacts(ctx, e.admin, org.ID)
	if cts[0].Mobile != "" {
		t.Fatalf("mobile not cleared: %+v", cts[0])
	}
	// The contact under another customer's id is not found, and stays.
	wrong := fmt.Sprintf("/customers/%d/contacts/%d", other.ID, ct.ID)
	for _, r := range []result{
		e.do(t, "agent", "GET", wrong+"/edit", nil),
		e.do(t, "agent", "POST", wrong, url.Values{"version": {"3"}, "name": {"x"}}),
		e.do(t, "agent", "POST", wrong+"/delete", url.Values{"version": {"3"}}),
	} {
		if r.status != http.StatusNotFound {
			t.Fatalf("contact under another customer: %d", r.status)
		}
	}
	if cts, _ = e.app.Customers.Contacts(ctx, e.admin, org.ID); len(cts) != 1 || cts[0].Name != "方龙" {
		t.Fatalf("contact changed through another customer: %+v", cts)
	}
}

func TestParseAttrs(t *testing.T) {
	got, err := parseAttrs("车牌: 浙A12345\nyear=2021\n\n备注：含 http://x:1 \nrate: 4.2\ncode: 0049")
	if err != nil {
		t.Fatal(err)
	}
	if got["车牌"] != "浙A12345" || got["year"] != float64(2021) || got["备注"] != "含 http://x:1" || got["rate"] != 4.2 || got["code"] != "0049" || len(got) != 5 {
		t.Fatalf("%#v", got)
	}
	if _, err := parseAttrs("ok: 1\nno separator"); err == nil {
		t.Fatal("line without a separator accepted")
	}
	if minorText(-12345) != "-123.45" || minorText(0) != "0.00" || minorText(5) != "0.05" {
		t.Fatal("minorText")
	}
}
