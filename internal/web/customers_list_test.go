package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// writeHTMLText must escape exactly as html/template does in the places
// the list uses it (an <option>'s text), or the owner menus would differ
// from what the template wrote before.
func TestWriteHTMLTextMatchesTemplate(t *testing.T) {
	tpl := template.Must(template.New("").Parse(`<option value="1">{{.}}</option>`))
	inputs := []string{"", "plain", "张三 (zhangsan) · 总行", `a<b>&"c"'d'+e`, "\x00", "nul\x00mid", "bad\xffutf8\xc3",
		"\u2028\ufeff\ufffd", "<script>alert(1)</script>", "&amp;"}
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	r := rand.New(rand.NewPCG(6, 26))
	for range 500 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var want bytes.Buffer
		if err := tpl.Execute(&want, in); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		got.WriteString(`<option value="1">`)
		writeHTMLText(&got, in)
		got.WriteString(`</option>`)
		if got.String() != want.String() {
			t.Errorf("%q: got %q, html/template %q", in, got.String(), want.String())
		}
	}
}

// The list page's owner menus and rows, written partly in Go
// (customers.go), show what the template showed: the filter's owner
// selected, labels translated, phones masked, the trash's deletion time.
func TestCustomerListPageRows(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	org := customer.Customer{Kind: customer.Org, Name: `华<鑫>&"贸易"+`, Mobile: "13912345678", Stage: customer.StageCustomer,
		Market: customer.MarketCorporate, Tags: []string{"VIP", "<b>"}, OwnerID: 2}
	person := customer.Customer{Kind: "person", Name: "王芳", Stage: customer.StageProspect, OwnerID: 2}
	for _, c := range []*customer.Customer{&org, &person} {
		if err := e.app.Customers.Create(ctx, e.admin, c); err != nil {
			t.Fatal(err)
		}
	}
	tr := func(key string) string { return e.app.I18n.T("zh-CN", key, nil) }

	r := e.do(t, "admin", "GET", "/customers?owner=2", nil)
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	mustContain(t, r,
		// Filter panel: the filtered owner is selected, the other is not.
		`<select name="owner"><option value="">`+tr("web.any")+`</option>`,
		`<option value="1" >管理员 (admin) · 总行</option><option value="2" selected>李客户经理 (agent) · 总行</option></select>`,
		// Transfer form: no selection.
		`<option value="1">管理员 (admin) · 总行</option><option value="2">李客户经理 (agent) · 总行</option>`,
		// The organisation's row, escaped, tagged, labelled and masked.
		`aria-label="`+tr("web.select")+` 华&lt;鑫&gt;&amp;&#34;贸易&#34;&#43;"`,
		`class="cname">华&lt;鑫&gt;&amp;&#34;贸易&#34;&#43;</a>`,
		`<span class="tag">`+tr("enum.kind.org")+`</span>`,
		`<span class="tag">&lt;b&gt;</span><span class="tag">VIP</span>`, // byte order,
		`<span class="badge stage-customer">`+tr("enum.stage.customer")+`</span>`,
		`<td class="hide-sm">`+tr("enum.market.corporate")+`</td>`,
		`<td class="hide-sm mono">139****5678</td>`,
		`<td class="hide-sm">李客户经理</td>`,
		`<td class="hide-sm">`+org.UpdatedAt.In(shanghai(t)).Format("2006-01-02 15:04")+`</td>`)
	if strings.Contains(r.body, "13912345678") {
		t.Fatal("the list shows a plaintext mobile")
	}
	// A person is not tagged with its kind; an empty market is empty.
	if n := strings.Count(r.body, `<span class="tag">`+tr("enum.kind.org")+`</span>`); n != 1 {
		t.Fatalf("%d kind tags, want the organisation's only", n)
	}
	mustContain(t, r, `<span class="badge stage-prospect">`+tr("enum.stage.prospect")+`</span>`+"</td>\n      "+`<td class="hide-sm"></td>`)

	// The trash shows when each customer was deleted, and no checkboxes.
	if err := e.app.Customers.Delete(ctx, e.admin, person.ID, person.Version); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.GetCustomer(ctx, e.admin, person.ID, true)
	if err != nil || got.DeletedAt == nil {
		t.Fatalf("deleted customer: %v %v", got.DeletedAt, err)
	}
	r = e.do(t, "admin", "GET", "/trash", nil)
	mustContain(t, r, `<td>王芳`, `<td class="hide-sm">`+got.DeletedAt.In(shanghai(t)).Format("2006-01-02 15:04")+`</td>`,
		`action="/customers/`+strconv.FormatInt(person.ID, 10)+`/restore"`)
	if strings.Contains(r.body, `name="id" value=`) {
		t.Fatal("the trash offers row checkboxes")
	}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The list page's owner menus come from the slim owner query (listOwners):
// for an admin, a manager and an agent they hold exactly the options the
// full user list gives (owners), disabled users and other units left out,
// and the page writes them as it wrote owners' options.
func TestCustomerListOwnersMatchUserList(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	for _, q := range []string{
		"INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (2, 1, 'A<支>行&\"', 'branch', '/1/2/', 1, '" + now + "', '" + now + "')",
		"INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (3, 1, 'B支行', 'branch', '/1/3/', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (3, 'mgr', '王经理+1', 'manager', 2, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (4, 'a_agent', '赵<b>', 'agent', 2, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, disabled, version, created_at, updated_at) VALUES (5, 'gone', '离职', 'agent', 2, 'x', '" + now + "', 1, 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (6, 'b_agent', '钱', 'agent', 3, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
	} {
		if _, err := e.store.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	h := &Handler{app: e.app}
	manager := guanxi.Actor{UserID: 3, Username: "mgr", Role: guanxi.RoleManager, OrgUnitID: 2, OrgPath: "/1/2/", Lang: "zh-CN"}
	for _, c := range []struct {
		name string
		a    guanxi.Actor
		n    int
	}{{"admin", e.admin, 5}, {"manager", manager, 2}, {"agent", e.agent, 1}} {
		got, want := h.listOwners(ctx, c.a), h.owners(ctx, c.a)
		if len(got) != c.n || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: listOwners %v, owners %v (want %d)", c.name, got, want, c.n)
		}
	}
	for _, user := range []string{"admin", "agent"} {
		a := e.admin
		if user == "agent" {
			a = e.agent
		}
		// The menus as the template wrote them from owners: the filter
		// panel's, and the bulk transfer form's (admin only).
		var filter, transfer strings.Builder
		for tpl, b := range map[string]*strings.Builder{
			`{{range .}}<option value="{{.ID}}" >{{.Label}}</option>{{end}}</select>`:       &filter,
			`{{range .}}<option value="{{.ID}}">{{.Label}}</option>{{end}}` + "\n</select>": &transfer,
		} {
			if err := template.Must(template.New("").Parse(tpl)).Execute(b, h.owners(ctx, a)); err != nil {
				t.Fatal(err)
			}
		}
		r := e.do(t, user, "GET", "/customers", nil)
		if r.status != 200 {
			t.Fatalf("%s list: %d", user, r.status)
		}
		mustContain(t, r, filter.String())
		if user == "admin" {
			mustContain(t, r, transfer.String())
		}
	}
}
