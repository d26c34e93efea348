package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// TestAuditBreachCLI runs `guanxi audit breach` as CSV on a migrated
// database with a few access rows and checks the answer and its audit row.
func TestAuditBreachCLI(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "g.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := s.InsertAccess(ctx, []accesslog.Access{
		{UserID: 5, CustomerID: 11, At: now, Via: accesslog.APIGet},
		{UserID: 5, CustomerID: 11, At: now, Via: accesslog.Export},
		{UserID: 5, CustomerID: 12, At: now.AddDate(0, 0, -3), Via: accesslog.List},
		{UserID: 6, CustomerID: 13, At: now, Via: accesslog.List},
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var out bytes.Buffer
	args := []string{"audit", "breach", "--db", db, "--user", "5", "--from", now.AddDate(0, 0, -1).Format(time.DateOnly),
		"--to", now.AddDate(0, 0, 1).Format(time.DateOnly), "--format", "csv"}
	if err := run(ctx, args, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "customer_id,number,name,total,api_get") || !strings.HasPrefix(lines[1], "11,,,2,1,0,0,0,1,0,0,") {
		t.Fatalf("csv:\n%s", out.String())
	}
	if err := run(ctx, []string{"audit", "breach", "--db", db, "--user", "nobody", "--from", "2026-01-01", "--to", "2026-01-02"},
		env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown user accepted")
	}
	s, err = sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.ListAudit(ctx, audit.Filter{Action: audit.ActionBreachQuery, Limit: 10})
	if err != nil || len(es) != 1 || es[0].ActorName != "cli" {
		t.Fatalf("audited: %+v %v", es, err)
	}
}
