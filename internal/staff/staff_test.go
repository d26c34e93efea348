package staff

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestUnitPaths(t *testing.T) {
	if p := UnitPath("/", 1); p != "/1/" {
		t.Fatal(p)
	}
	if p := UnitPath("/1/4/", 19); p != "/1/4/19/" {
		t.Fatal(p)
	}
	if !CanMoveUnder("/1/2/", "/1/3/") || CanMoveUnder("/1/2/", "/1/2/") || CanMoveUnder("/1/2/", "/1/2/4/") {
		t.Fatal("cycle rule")
	}
	// /1/2/ is not a prefix of /1/20/: paths end in a slash.
	if !CanMoveUnder("/1/2/", "/1/20/") {
		t.Fatal("sibling with a longer id")
	}
}

func TestInScope(t *testing.T) {
	mgr := guanxi.Actor{UserID: 2, Role: guanxi.RoleManager, OrgPath: "/1/2/"}
	agent := guanxi.Actor{UserID: 3, Role: guanxi.RoleAgent, OrgPath: "/1/2/4/"}
	admin := guanxi.Actor{UserID: 1, Role: guanxi.RoleAdmin, OrgPath: "/1/"}
	in := User{ID: 3, OrgPath: "/1/2/4/"}
	out := User{ID: 5, OrgPath: "/1/3/"}
	if !inScope(mgr, in) || inScope(mgr, out) || !inScope(admin, out) || !inScope(agent, in) || inScope(agent, User{ID: 4, OrgPath: "/1/2/4/"}) {
		t.Fatal("scope")
	}
}

func TestPermissions(t *testing.T) {
	s := &Service{}
	ctx := context.Background()
	agent := guanxi.Actor{UserID: 3, Role: guanxi.RoleAgent}
	if err := s.CreateUser(ctx, agent, &User{}, "x"); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatal(err)
	}
	if err := s.CreateUnit(ctx, guanxi.Actor{UserID: 2, Role: guanxi.RoleManager}, &OrgUnit{}); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatal(err)
	}
	if _, err := s.ListUsers(ctx, guanxi.Actor{}, UserQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatal(err)
	}
}
