package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestErasuresPages: more erasure records than the page shows are reached
// by "next page" links, each once, newest first; the last page links back
// to the first; a broken cursor is refused and an agent gets 403 on a
// later page too.
func TestErasuresPages(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	admin, agent := env.Login(t, "admin"), env.Login(t, "agent_a1")
	const n = 53
	at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if _, err := env.Store.DB().ExecContext(ctx, "INSERT INTO erasures (pseudonym, at, by_name, reason) VALUES (?, ?, 'admin', ?)",
			fmt.Sprintf("%s-00000%03d", privacy.PseudonymPrefix, i), at.Add(time.Duration(i)*time.Second), privacy.ReasonRetention); err != nil {
			t.Fatal(err)
		}
	}
	row := regexp.MustCompile(`<td class="mono">` + privacy.PseudonymPrefix + `-00000(\d{3})</td>`)
	pages := walkPages(t, admin, env.URL, env.URL+"/admin/erasures", row, "")
	checkNewestFirst(t, pages, "[50 3]", n)
	if p := wGet(t, admin, env.URL+"/admin/erasures?cursor=nope"); p.status != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", p.status)
	}
	if p := wGet(t, agent, env.URL+"/admin/erasures?cursor=9999999"); p.status != http.StatusForbidden {
		t.Fatalf("agent: %d", p.status)
	}
}
