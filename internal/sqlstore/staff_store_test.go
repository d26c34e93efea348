package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

const testPassword = "Test-Password-2026!"

// authEnv wires the staff, auth and settings services over one store with
// cheap hashes and a clock the test moves.
type authEnv struct {
	s     *sqlstore.Store
	st    *staff.Service
	au    *auth.Service
	set   *settings.Service
	now   time.Time
	admin guanxi.Actor
	head  staff.OrgUnit
}

func newAuthEnv(t *testing.T, s *sqlstore.Store) *authEnv {
	t.Helper()
	e := &authEnv{s: s, now: time.Now().UTC().Truncate(time.Second)}
	e.set = &settings.Service{Store: s}
	e.au = &auth.Service{Store: s, Settings: e.set, Now: func() time.Time { return e.now }, Params: auth.CheapParams()}
	e.st = &staff.Service{Store: s, Hash: e.au.Hash, CheckPolicy: e.au.CheckPolicy}
	ctx := context.Background()
	if has, err := e.st.HasUsers(ctx); err != nil || has {
		t.Fatalf("fresh store has users: %v %v", has, err)
	}
	created, err := e.st.Bootstrap(ctx, "admin", testPassword)
	if err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	if created, err := e.st.Bootstrap(ctx, "other", testPassword); err != nil || created {
		t.Fatalf("second bootstrap: %v %v", created, err)
	}
	u, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != guanxi.RoleAdmin || u.OrgPath == "" || u.OrgUnitName != "总行 / Head office" {
		t.Fatalf("bootstrap admin: %+v", u)
	}
	e.admin = u.Actor("127.0.0.1")
	if e.head, err = e.st.GetUnit(ctx, e.admin, u.OrgUnitID); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *authEnv) unit(t *testing.T, name string, kind staff.UnitKind, parent staff.OrgUnit) staff.OrgUnit {
	t.Helper()
	p := parent.ID
	u := &staff.OrgUnit{Name: name, Kind: kind, ParentID: &p}
	if err := e.st.CreateUnit(context.Background(), e.admin, u); err != nil {
		t.Fatalf("unit %s: %v", name, err)
	}
	return *u
}

func (e *authEnv) user(t *testing.T, username string, role guanxi.Role, unit staff.OrgUnit) staff.User {
	t.Helper()
	u := &staff.User{Username: username, Name: username, Role: role, OrgUnitID: unit.ID}
	if err := e.st.CreateUser(context.Background(), e.admin, u, testPassword); err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return *u
}

func auditCount(t *testing.T, s *sqlstore.Store, action string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM audit_log WHERE action = '"+action+"'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func verifyChain(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	broken, checked, err := s.VerifyAudit(context.Background())
	if err != nil || broken != 0 || checked == 0 {
		t.Fatalf("audit chain: broken %d checked %d err %v", broken, checked, err)
	}
}

func wantKind(t *testing.T, err error, k guanxi.Kind, key string) {
	t.Helper()
	e := guanxi.AsError(err)
	if err == nil || e.Kind != k {
		t.Fatalf("want kind %d, got %v", k, err)
	}
	if key == "" {
		return
	}
	if e.Key == key {
		return
	}
	for _, f := range e.Fields {
		if f.Key == key {
			return
		}
	}
	t.Fatalf("want key %s, got %v", key, err)
}

func TestOrgTreeMove(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		a := e.unit(t, "A支行", "branch", e.head)
		b := e.unit(t, "B支行", "branch", e.head)
		a1 := e.unit(t, "A1组", "team", a)
		a1x := e.unit(t, "A1x", "team", a1)
		if a1x.Path != e.head.Path+itoa(a.ID)+"/"+itoa(a1.ID)+"/"+itoa(a1x.ID)+"/" || a1x.Depth() != 3 {
			t.Fatalf("path %q depth %d", a1x.Path, a1x.Depth())
		}
		agent := e.user(t, "agent_x", guanxi.RoleAgent, a1x)

		// Moving under itself or a descendant is refused and changes nothing.
		for _, p := range []guanxi.ID{a.ID, a1.ID, a1x.ID} {
			_, err := e.st.UpdateUnit(ctx, e.admin, a.ID, a.Version, func(u *staff.OrgUnit) error { u.ParentID = &p; return nil })
			wantKind(t, err, guanxi.KindInvalid, "staff.unit_cycle")
		}
		// The root cannot move at all.
		_, err := e.st.UpdateUnit(ctx, e.admin, e.head.ID, e.head.Version, func(u *staff.OrgUnit) error { u.ParentID = &b.ID; return nil })
		wantKind(t, err, guanxi.KindInvalid, "staff.unit_cycle")

		// Move A under B: the whole subtree follows in one transaction.
		moved, err := e.st.UpdateUnit(ctx, e.admin, a.ID, a.Version, func(u *staff.OrgUnit) error {
			u.ParentID = &b.ID
			u.Name = "A支行(新)"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if moved.Path != b.Path+itoa(a.ID)+"/" || moved.Version != 2 || moved.Name != "A支行(新)" {
			t.Fatalf("moved %+v", moved)
		}
		units, err := e.st.ListUnits(ctx, e.admin)
		if err != nil || len(units) != 5 {
			t.Fatalf("units %v %v", units, err)
		}
		for i := 1; i < len(units); i++ {
			if units[i-1].Path > units[i].Path {
				t.Fatal("not ordered by path")
			}
		}
		got, _ := e.st.GetUnit(ctx, e.admin, a1x.ID)
		if want := moved.Path + itoa(a1.ID) + "/" + itoa(a1x.ID) + "/"; got.Path != want {
			t.Fatalf("descendant path %q, want %q", got.Path, want)
		}
		// The user's org path (used for the Actor) follows at once.
		u, _ := s.UserByID(ctx, agent.ID)
		if u.OrgPath != got.Path || u.OrgUnitName != "A1x" {
			t.Fatalf("user org path %q", u.OrgPath)
		}
		// Stale version.
		_, err = e.st.UpdateUnit(ctx, e.admin, a.ID, a.Version, func(u *staff.OrgUnit) error { u.Name = "x"; return nil })
		wantKind(t, err, guanxi.KindPreconditionFailed, "error.stale")
		// Managers cannot edit the tree.
		_, err = e.st.UpdateUnit(ctx, guanxi.Actor{UserID: 9, Role: guanxi.RoleManager}, a.ID, moved.Version, func(u *staff.OrgUnit) error { return nil })
		wantKind(t, err, guanxi.KindForbidden, "")
		// Unknown parent.
		missing := guanxi.ID(99999)
		err = e.st.CreateUnit(ctx, e.admin, &staff.OrgUnit{Name: "x", Kind: "team", ParentID: &missing})
		wantKind(t, err, guanxi.KindInvalid, "staff.unit_unknown")

		if n := auditCount(t, s, "org_change"); n != 6 { // root + 4 creates + 1 move
			t.Fatalf("org_change rows %d", n)
		}
		verifyChain(t, s)
	})
}

func itoa(n guanxi.ID) string { return strconv.FormatInt(n, 10) }

func TestUsersCRUD(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		a := e.unit(t, "A支行", "branch", e.head)
		b := e.unit(t, "B支行", "branch", e.head)
		a1 := e.unit(t, "A1组", "team", a)
		mgrA := e.user(t, "mgr_a", guanxi.RoleManager, a)
		agentA := e.user(t, "agent_a", guanxi.RoleAgent, a1)
		agentB := e.user(t, "agent_b", guanxi.RoleAgent, b)

		if agentA.OrgUnitName != "A1组" || agentA.OrgPath != a1.Path || agentA.Version != 1 || agentA.PasswordHash == "" {
			t.Fatalf("created user %+v", agentA)
		}
		// Duplicate username (any case) conflicts.
		err := e.st.CreateUser(ctx, e.admin, &staff.User{Username: "Agent_A", Name: "x", Role: guanxi.RoleAgent, OrgUnitID: a1.ID}, testPassword)
		wantKind(t, err, guanxi.KindConflict, "staff.username_taken")
		// Weak password under asvs.
		err = e.st.CreateUser(ctx, e.admin, &staff.User{Username: "weak", Name: "x", Role: guanxi.RoleAgent, OrgUnitID: a1.ID}, "short")
		wantKind(t, err, guanxi.KindInvalid, "auth.password_too_short")
		// Unknown unit, bad role.
		err = e.st.CreateUser(ctx, e.admin, &staff.User{Username: "nounit", Name: "x", Role: guanxi.RoleAgent, OrgUnitID: 99999}, testPassword)
		wantKind(t, err, guanxi.KindInvalid, "staff.unit_unknown")
		err = e.st.CreateUser(ctx, e.admin, &staff.User{Username: "badrole", Name: "x", Role: "boss", OrgUnitID: a1.ID}, testPassword)
		wantKind(t, err, guanxi.KindInvalid, "validation.enum")
		// Only user admins create users.
		err = e.st.CreateUser(ctx, mgrA.Actor(""), &staff.User{Username: "byman", Name: "x", Role: guanxi.RoleAgent, OrgUnitID: a1.ID}, testPassword)
		wantKind(t, err, guanxi.KindForbidden, "")

		// Role change: user_update and role_change, version bumps, stale after.
		up, err := e.st.UpdateUser(ctx, e.admin, agentA.ID, agentA.Version, func(u *staff.User) error {
			u.Role = guanxi.RoleCredit
			u.Name = "李经理"
			u.Username = "hijack" // ignored
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if up.Role != guanxi.RoleCredit || up.Name != "李经理" || up.Username != "agent_a" || up.Version != 2 {
			t.Fatalf("updated %+v", up)
		}
		_, err = e.st.UpdateUser(ctx, e.admin, agentA.ID, agentA.Version, func(u *staff.User) error { u.Name = "x"; return nil })
		wantKind(t, err, guanxi.KindPreconditionFailed, "error.stale")
		if auditCount(t, s, "role_change") != 1 || auditCount(t, s, "user_update") != 1 {
			t.Fatal("role change audit")
		}
		// An admin cannot change its own role or disable itself.
		self, _ := s.UserByID(ctx, e.admin.UserID)
		_, err = e.st.UpdateUser(ctx, e.admin, self.ID, self.Version, func(u *staff.User) error { u.Role = guanxi.RoleAgent; return nil })
		wantKind(t, err, guanxi.KindInvalid, "staff.self_change")
		wantKind(t, e.st.SetDisabled(ctx, e.admin, self.ID, self.Version, true), guanxi.KindInvalid, "staff.self_change")

		// Scope of user lists.
		names := func(a guanxi.Actor, q staff.UserQuery) string {
			t.Helper()
			us, err := e.st.ListUsers(ctx, a, q)
			if err != nil {
				t.Fatal(err)
			}
			var n []string
			for _, u := range us {
				n = append(n, u.Username)
			}
			return strings.Join(n, ",")
		}
		if got := names(mgrA.Actor(""), staff.UserQuery{}); got != "mgr_a,agent_a" {
			t.Fatalf("manager sees %s", got)
		}
		if got := names(agentB.Actor(""), staff.UserQuery{}); got != "agent_b" {
			t.Fatalf("agent sees %s", got)
		}
		if got := names(e.admin, staff.UserQuery{}); got != "admin,mgr_a,agent_a,agent_b" {
			t.Fatalf("admin sees %s", got)
		}
		if got := names(e.admin, staff.UserQuery{OrgUnitID: a.ID}); got != "mgr_a,agent_a" {
			t.Fatalf("unit filter %s", got)
		}
		if got := names(e.admin, staff.UserQuery{Role: guanxi.RoleCredit}); got != "agent_a" {
			t.Fatalf("role filter %s", got)
		}
		if got := names(e.admin, staff.UserQuery{Q: "李"}); got != "agent_a" {
			t.Fatalf("name search %s", got)
		}
		if got := names(e.admin, staff.UserQuery{Q: "AGENT_"}); got != "agent_a,agent_b" {
			t.Fatalf("username search %s", got)
		}
		if got := names(e.admin, staff.UserQuery{Q: "%"}); got != "" {
			t.Fatalf("wildcard not escaped: %s", got)
		}
		if _, err := e.st.GetUser(ctx, mgrA.Actor(""), agentB.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("manager reads out-of-scope user: %v", err)
		}
		if _, err := e.st.GetUser(ctx, mgrA.Actor(""), agentA.ID); err != nil {
			t.Fatal(err)
		}

		// Disable and enable.
		if err := e.st.SetDisabled(ctx, e.admin, agentB.ID, agentB.Version, true); err != nil {
			t.Fatal(err)
		}
		wantKind(t, e.st.SetDisabled(ctx, e.admin, agentB.ID, agentB.Version, false), guanxi.KindPreconditionFailed, "error.stale")
		if got := names(e.admin, staff.UserQuery{}); strings.Contains(got, "agent_b") {
			t.Fatal("disabled user listed")
		}
		if got := names(e.admin, staff.UserQuery{IncludeDisabled: true}); !strings.Contains(got, "agent_b") {
			t.Fatal("disabled user missing with IncludeDisabled")
		}
		if err := e.st.SetDisabled(ctx, e.admin, agentB.ID, agentB.Version+1, false); err != nil {
			t.Fatal(err)
		}
		if auditCount(t, s, "user_disable") != 1 || auditCount(t, s, "user_enable") != 1 || auditCount(t, s, "user_create") != 4 {
			t.Fatal("user audit rows")
		}

		// Own profile and language.
		me, _ := s.UserByID(ctx, agentB.ID)
		if _, err := e.st.UpdateProfile(ctx, me.Actor(""), me.Version, "周经理", "zhou@example.cn", "en"); err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetLang(ctx, me.Actor(""), "zh-CN"); err != nil {
			t.Fatal(err)
		}
		me, _ = s.UserByID(ctx, agentB.ID)
		if me.Name != "周经理" || me.Email != "zhou@example.cn" || me.Lang != "zh-CN" {
			t.Fatalf("profile %+v", me)
		}
		_, err = e.st.UpdateProfile(ctx, me.Actor(""), me.Version, "周经理", "bad", "en")
		wantKind(t, err, guanxi.KindInvalid, "validation.email")
		verifyChain(t, s)
	})
}

func TestStaffConcurrentWrites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)
		const n = 8
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				_, err := e.st.UpdateUser(ctx, e.admin, u.ID, u.Version, func(x *staff.User) error {
					x.Name = "name " + itoa(guanxi.ID(i))
					return nil
				})
				errs <- err
			}()
		}
		ok, stale := 0, 0
		for i := 0; i < n; i++ {
			switch err := <-errs; guanxi.KindOf(err) {
			case guanxi.KindPreconditionFailed:
				stale++
			default:
				if err != nil {
					t.Fatal(err)
				}
				ok++
			}
		}
		if ok != 1 || stale != n-1 {
			t.Fatalf("lost update: %d ok, %d stale", ok, stale)
		}
		// Concurrent failed sign-ins all fail the same way and end in a lock.
		// Each comes from its own address: concurrent tries from one address
		// may be refused as busy (addr_throttle.go), which is not this test.
		for i := 0; i < n; i++ {
			go func() {
				_, err := e.au.Login(ctx, "li", "wrong", "10.0.0."+itoa(guanxi.ID(i+1)))
				errs <- err
			}()
		}
		for i := 0; i < n; i++ {
			if err := <-errs; guanxi.AsError(err).Key != "auth.login_failed" {
				t.Fatalf("concurrent login: %v", err)
			}
		}
		_, err := e.au.Login(ctx, "li", testPassword, "10.0.0.1")
		wantKind(t, err, guanxi.KindUnauthorized, "auth.login_failed")
		verifyChain(t, s)
	})
}
