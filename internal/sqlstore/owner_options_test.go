package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// TestOwnerOptionsMatchUsers: the slim owner menu query returns exactly
// the users (ids, names, usernames, unit names, order) the full user list
// gives each actor, on both engines; disabled users and other subtrees
// stay out. A store without the slim query is served from Users alike.
func TestOwnerOptionsMatchUsers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		now := "2026-01-01 00:00:00"
		for _, q := range []string{
			// Same path prefix text as unit 2 (/1/2/) without being under it.
			"INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (20, 1, 'C<支>行', 'branch', '/1/20/', 1, '" + now + "', '" + now + "')",
			"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (7, 'agent_c', '王 \"C\"', 'agent', 20, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
			"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, disabled, version, created_at, updated_at) VALUES (8, 'aa_gone', 'gone', 'agent', 4, 'x', '" + now + "', 1, 1, '" + now + "', '" + now + "')",
			"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (9, 'a0_first', '李四', 'agent', 4, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
		} {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		slim := &staff.Service{Store: s}
		full := &staff.Service{Store: struct{ staff.Store }{s}} // hides OwnerOptions
		for _, c := range []struct {
			name string
			a    guanxi.Actor
			want []guanxi.ID
		}{
			{"admin", f.Admin, []guanxi.ID{1, 6, 2, 9, 3, 4, 7, 5}},
			{"manager", f.ManagerA, []guanxi.ID{2, 9, 3, 4}},
			{"agent", f.AgentA1, []guanxi.ID{3}},
		} {
			users, err := slim.ListUsers(ctx, c.a, staff.UserQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var want []staff.OwnerOption
			for _, u := range users {
				want = append(want, staff.OwnerOption{ID: u.ID, Username: u.Username, Name: u.Name, OrgUnitName: u.OrgUnitName})
			}
			got, err := slim.OwnerOptions(ctx, c.a)
			if err != nil {
				t.Fatal(err)
			}
			fallback, err := full.OwnerOptions(ctx, c.a)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(fallback) != fmt.Sprint(want) {
				t.Errorf("%s:\n slim     %v\n fallback %v\n users    %v", c.name, got, fallback, want)
			}
			var ids []guanxi.ID
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(c.want) {
				t.Errorf("%s: ids %v, want %v", c.name, ids, c.want)
			}
		}
		if _, err := slim.OwnerOptions(ctx, guanxi.Actor{}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Errorf("anonymous: %v, want forbidden", err)
		}
	})
}

// BenchmarkOwnerOptions is the owner menus' read for an admin on a loaded
// database, through the full user rows and through the slim query:
//
//	GUANXI_BENCH_DB=/tmp/d/guanxi.db go test ./internal/sqlstore -run '^$' -bench 'OwnerOptions'
func BenchmarkOwnerOptions(b *testing.B) {
	path := os.Getenv("GUANXI_BENCH_DB")
	if path == "" {
		b.Skip("set GUANXI_BENCH_DB to a loaded database")
	}
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	admin := guanxi.Actor{UserID: 1, Username: "admin", Role: guanxi.RoleAdmin, OrgUnitID: 1, OrgPath: "/1/"}
	for _, c := range []struct {
		name string
		svc  *staff.Service
	}{{"users", &staff.Service{Store: struct{ staff.Store }{s}}}, {"slim", &staff.Service{Store: s}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.svc.OwnerOptions(ctx, admin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
