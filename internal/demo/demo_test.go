package demo

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

func collect(t *testing.T, g *Generator, batch int) []Bundle {
	t.Helper()
	var all []Bundle
	if err := g.Customers(batch, func(b []Bundle) error { all = append(all, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestDeterministic(t *testing.T) {
	a := collect(t, New(7, 500), 64)
	b := collect(t, New(7, 500), 500)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("same seed gave different customers (or the batch size changed them)")
	}
	if !reflect.DeepEqual(New(7, 500).Staff(), New(7, 500).Staff()) || !reflect.DeepEqual(New(7, 500).Org(), New(7, 500).Org()) {
		t.Fatal("same seed gave different staff or org")
	}
	c := collect(t, New(8, 500), 100)
	jc, _ := json.Marshal(c)
	if string(ja) == string(jc) {
		t.Fatal("different seeds gave the same customers")
	}
}

func TestRealistic(t *testing.T) {
	g := New(1, 3000)
	units, users := g.Org(), g.Staff()
	kinds := map[staff.UnitKind]bool{}
	for _, u := range units {
		if err := staff.ValidateUnit(&u); err != nil {
			t.Fatalf("unit %+v: %v", u, err)
		}
		kinds[u.Kind] = true
	}
	if len(kinds) != len(staff.UnitKinds) {
		t.Errorf("unit kinds %v", kinds)
	}
	roles := map[guanxi.Role]int{}
	names := map[string]bool{}
	for _, u := range users {
		if err := staff.ValidateUser(&u); err != nil {
			t.Fatalf("user %+v: %v", u, err)
		}
		if names[u.Username] {
			t.Fatalf("duplicate username %s", u.Username)
		}
		names[u.Username] = true
		roles[u.Role]++
	}
	for _, r := range []guanxi.Role{guanxi.RoleAdmin, guanxi.RoleManager, guanxi.RoleAgent, guanxi.RoleCredit, guanxi.RoleAuditor} {
		if roles[r] == 0 {
			t.Errorf("no %s", r)
		}
	}
	for _, n := range []string{UserAdmin, UserManager, UserAgent, UserCredit, UserAuditor} {
		if !names[n] {
			t.Errorf("no user %s", n)
		}
	}
	owners := map[guanxi.ID]guanxi.Role{}
	for _, u := range users {
		owners[u.ID] = u.Role
	}

	mobiles, idNumbers := map[string]bool{}, map[string]bool{}
	seen := map[string]bool{}
	surnameHits := map[string]int{}
	var lastID guanxi.ID
	for _, b := range collect(t, g, 1000) {
		c := b.Customer
		if c.ID != lastID+1 || c.Number != fmt.Sprintf("KH%08d", c.ID) {
			t.Fatalf("customer %d number %s", c.ID, c.Number)
		}
		lastID = c.ID
		cc := c
		cc.Normalize()
		if err := customer.Validate(&cc, nil); err != nil {
			t.Fatalf("customer %+v: %v", c, err)
		}
		switch c.Kind {
		case customer.Person:
			if !customer.ValidResidentID(c.IDNumber) || customer.GenderFromResidentID(c.IDNumber) != c.Gender ||
				customer.BirthdayFromResidentID(c.IDNumber) != c.Birthday || c.Birthday < "1950" || c.Birthday > "2006" {
				t.Fatalf("bad resident id %s %s %s", c.IDNumber, c.Gender, c.Birthday)
			}
			surnameHits[string([]rune(c.Name)[:1])]++
		case customer.Org:
			if !customer.ValidUSCC(c.IDNumber) || len(b.Contacts) < 1 || len(b.Contacts) > 3 {
				t.Fatalf("bad org %s with %d contacts", c.IDNumber, len(b.Contacts))
			}
		}
		if idNumbers[c.IDNumber] {
			t.Fatalf("duplicate id number %s", c.IDNumber)
		}
		idNumbers[c.IDNumber] = true
		phones := []string{c.Mobile}
		for _, ct := range b.Contacts {
			phones = append(phones, ct.Mobile)
			if err := customer.ValidateContact(&ct); err != nil {
				t.Fatalf("contact %+v: %v", ct, err)
			}
		}
		for _, m := range phones {
			if m == "" {
				continue
			}
			if mobiles[m] {
				t.Fatalf("duplicate mobile %s", m)
			}
			mobiles[m] = true
		}
		if _, ok := owners[c.OwnerID]; !ok {
			t.Fatalf("owner %d unknown", c.OwnerID)
		}
		seen["market:"+string(c.Market)] = true
		seen["industry:"+c.Industry] = true
		seen["stage:"+string(c.Stage)] = true
		seen["owner:"+string(owners[c.OwnerID])] = true
		hids := map[guanxi.ID]bool{}
		for _, h := range b.Holdings {
			hh := h
			if err := customer.ValidateHolding(&hh); err != nil {
				t.Fatalf("holding %+v: %v", h, err)
			}
			if h.Kind == "vehicle" && !validVIN(h.Reference) {
				t.Fatalf("bad VIN %s", h.Reference)
			}
			seen["holding:"+string(h.Kind)] = true
			seen["status:"+string(h.Kind)+":"+h.Status] = true
			hids[h.ID] = true
		}
		for _, x := range b.Transactions {
			if x.HoldingID != nil && !hids[*x.HoldingID] {
				t.Fatalf("transaction %d points at a holding of another customer", x.ID)
			}
			if x.OccurredAt.Before(c.CreatedAt) || x.OccurredAt.After(g.Now) {
				t.Fatalf("transaction at %v outside %v..%v", x.OccurredAt, c.CreatedAt, g.Now)
			}
		}
		for _, in := range b.Interactions {
			seen["channel:"+in.Channel] = true
			seen["year:"+in.OccurredAt.Format("2006")] = true
		}
	}
	for _, m := range customer.Markets {
		if !seen["market:"+string(m)] {
			t.Errorf("market %s missing", m)
		}
	}
	for _, i := range customer.Industries {
		if !seen["industry:"+i] {
			t.Errorf("industry %s missing", i)
		}
	}
	for _, s := range customer.Stages {
		if !seen["stage:"+string(s)] {
			t.Errorf("stage %s missing", s)
		}
	}
	for _, k := range customer.HoldingKinds {
		if !seen["holding:"+string(k)] {
			t.Errorf("holding kind %s missing", k)
		}
	}
	for _, st := range []string{"normal", "overdue", "closed"} {
		if !seen["status:loan:"+st] {
			t.Errorf("loan status %s missing", st)
		}
	}
	for _, ch := range customer.Channels {
		if !seen["channel:"+ch] {
			t.Errorf("channel %s missing", ch)
		}
	}
	if !seen["owner:manager"] || !seen["owner:agent"] {
		t.Error("customers should be owned by agents and a few managers")
	}
	for _, y := range []string{"2020", "2022", "2024", "2026"} {
		if !seen["year:"+y] {
			t.Errorf("no interaction in %s", y)
		}
	}
	// 王 and 李 are the commonest surnames; 王 beats 郭 by far.
	if surnameHits["王"] < 3*surnameHits["郭"] || surnameHits["李"] < 100 {
		t.Errorf("surname shares look wrong: %v", surnameHits)
	}
}

func TestRegionCodesUnique(t *testing.T) {
	codes := map[string]string{}
	n := 0
	for _, p := range provinces {
		for _, c := range p.cities {
			for _, d := range c.districts {
				if prev, dup := codes[d.code]; dup {
					t.Errorf("code %s used by %s and %s", d.code, prev, d.name)
				}
				codes[d.code] = d.name
				if len(d.code) != 6 {
					t.Errorf("code %s", d.code)
				}
			}
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d provinces", n)
	}
	if len(surnames) < 60 {
		t.Errorf("only %d surnames", len(surnames))
	}
}

func TestPermIsBijective(t *testing.T) {
	for _, n := range []uint64{1, 2, 7, 1000, 4097} {
		p := newPerm(n, 42)
		seen := make([]bool, n)
		for i := uint64(0); i < n; i++ {
			x := p.at(i)
			if x >= n || seen[x] {
				t.Fatalf("n=%d: %d -> %d", n, i, x)
			}
			seen[x] = true
		}
	}
}

func validVIN(v string) bool {
	if len(v) != 17 {
		return false
	}
	weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += vinValue(v[k]) * weights[k]
	}
	want := byte('0' + sum%11)
	if sum%11 == 10 {
		want = 'X'
	}
	return v[8] == want
}

func BenchmarkGenerate(b *testing.B) {
	g := New(1, b.N)
	b.ResetTimer()
	g.Customers(5000, func([]Bundle) error { return nil })
}
