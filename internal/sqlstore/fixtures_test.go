package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// staffFixture is a small org: head office (1) with branches A (2) and B (3);
// team A1 (4) under A. Users: admin, manager of A, two agents in A1, an
// agent in B, an auditor.
type staffFixture struct {
	Admin, ManagerA, AgentA1, AgentA2, AgentB, Auditor guanxi.Actor
}

func seedStaff(t testing.TB, s *sqlstore.Store) staffFixture {
	t.Helper()
	db := s.DB()
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	units := []struct{ id, parent, kind, name, path string }{
		{"1", "NULL", "head_office", "总行", "/1/"},
		{"2", "1", "branch", "A支行", "/1/2/"},
		{"3", "1", "branch", "B支行", "/1/3/"},
		{"4", "2", "team", "A1组", "/1/2/4/"},
	}
	for _, u := range units {
		exec("INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (" +
			u.id + ", " + u.parent + ", '" + u.name + "', '" + u.kind + "', '" + u.path + "', 1, '" + now + "', '" + now + "')")
	}
	users := []struct {
		id, username, role, unit, path string
	}{
		{"1", "admin", "admin", "1", "/1/"},
		{"2", "mgr_a", "manager", "2", "/1/2/"},
		{"3", "agent_a1", "agent", "4", "/1/2/4/"},
		{"4", "agent_a2", "agent", "4", "/1/2/4/"},
		{"5", "agent_b", "agent", "3", "/1/3/"},
		{"6", "auditor", "auditor", "1", "/1/"},
	}
	actors := map[string]guanxi.Actor{}
	for _, u := range users {
		exec("INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (" +
			u.id + ", '" + u.username + "', '" + u.username + "', '" + u.role + "', " + u.unit + ", 'x', '" + now + "', 1, '" + now + "', '" + now + "')")
		var id guanxi.ID
		for _, c := range u.id {
			id = id*10 + guanxi.ID(c-'0')
		}
		var unit guanxi.ID
		for _, c := range u.unit {
			unit = unit*10 + guanxi.ID(c-'0')
		}
		actors[u.username] = guanxi.Actor{UserID: id, Username: u.username, Name: u.username,
			Role: guanxi.Role(u.role), OrgUnitID: unit, OrgPath: u.path, Lang: "zh-CN", Addr: "127.0.0.1"}
	}
	if s.Dialect() == sqlstore.Postgres {
		exec("SELECT setval(pg_get_serial_sequence('org_units','id'), 100)")
		exec("SELECT setval(pg_get_serial_sequence('users','id'), 100)")
	}
	return staffFixture{Admin: actors["admin"], ManagerA: actors["mgr_a"], AgentA1: actors["agent_a1"],
		AgentA2: actors["agent_a2"], AgentB: actors["agent_b"], Auditor: actors["auditor"]}
}
