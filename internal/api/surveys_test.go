package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// seedSurveyTemplate makes a template owned by the head office (id 1 on a
// fresh database) for the route-table scope test.
func seedSurveyTemplate(t *testing.T, env *servertest.Env) guanxi.ID {
	t.Helper()
	tpl := &survey.Template{Name: "回访", Items: []survey.Item{{Key: "service", Type: survey.Scale5, TextZh: "满意吗"}}}
	if err := env.App.Surveys.CreateTemplate(context.Background(), env.Actor("admin"), tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.ID
}

// countingComplaints stands in for the ticket module when it is not wired.
type countingComplaints struct {
	mu    sync.Mutex
	calls map[guanxi.ID]int
}

func (c *countingComplaints) OpenComplaintFromSurvey(_ context.Context, _ guanxi.Actor, _, answerID guanxi.ID, _ float64, _ string) (guanxi.ID, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[answerID]++
	return 500 + answerID, fmt.Sprintf("TS-2026-%06d", answerID), nil
}

func TestAPISurveys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		fake := &countingComplaints{calls: map[guanxi.ID]int{}}
		if env.App.Surveys.Complaints == nil {
			env.App.Surveys.Complaints = fake
		}
		c := env.Customer(t, "agent_a1", "王小明", "13700137000")
		mgr, a1, anon := clientFor(t, env, "mgr_a"), clientFor(t, env, "agent_a1"), client{t: t, base: env.URL}

		// Agents cannot make templates; invalid items name their field.
		body := map[string]any{"name": "售后回访", "items": []any{
			map[string]any{"key": "service", "type": "scale_5", "text_zh": "服务满意度", "script": "您好，打扰一下", "required": true},
			map[string]any{"key": "recommend", "type": "nps", "text_zh": "推荐意愿", "required": true},
		}}
		if st, _, m := a1.do("POST", "/api/v1/survey-templates", body); st != 403 {
			t.Fatalf("agent creates template: %d %v", st, m)
		}
		st, _, m := mgr.do("POST", "/api/v1/survey-templates", map[string]any{"name": "x", "items": []any{
			map[string]any{"type": "choice", "text_zh": "渠道", "choices": []string{"只有一个"}}}})
		if st != 400 || !hasLocation(m, "body.items[0].choices") {
			t.Fatalf("invalid template: %d %v", st, m)
		}
		st, hdr, m := mgr.do("POST", "/api/v1/survey-templates", body)
		if st != 201 || hdr.Get("ETag") != `"1"` {
			t.Fatalf("create template: %d %v", st, m)
		}
		tid := int64(m["id"].(float64))
		tpath := fmt.Sprintf("/api/v1/survey-templates/%d", tid)
		if st, _, _ := mgr.do("PUT", tpath, body); st != 428 {
			t.Fatalf("update without If-Match: %d", st)
		}

		// The agent sends a link; the token comes back once.
		cpath := fmt.Sprintf("/api/v1/customers/%d", c.ID)
		st, _, m = a1.do("POST", cpath+"/survey-requests", map[string]any{"template_id": tid, "channel": "link"})
		if st != 201 || m["token"] == nil || m["url"] == nil {
			t.Fatalf("send link: %d %v", st, m)
		}
		token := m["token"].(string)
		st, _, m = a1.do("GET", cpath+"/survey-requests", nil)
		if st != 200 {
			t.Fatalf("list requests: %d %v", st, m)
		}

		// The customer opens the link without signing in: a masked greeting only.
		ppath := "/api/v1/public/surveys/" + token
		st, _, m = anon.do("GET", ppath, nil)
		if st != 200 || m["greeting"] != "王**" || len(m["items"].([]any)) != 2 {
			t.Fatalf("public form: %d %v", st, m)
		}
		for _, leak := range []string{"13700137000", "137****7000", "王小明", "script"} {
			if strings.Contains(fmt.Sprint(m), leak) {
				t.Fatalf("public form shows %q: %v", leak, m)
			}
		}
		// A low score: exactly one complaint, even when the link is replayed.
		st, _, m = anon.do("POST", ppath, map[string]any{"answers": map[string]any{"service": "1", "recommend": "2"}, "comment": "等太久"})
		if st != 201 && st != 204 {
			t.Fatalf("public answer: %d %v", st, m)
		}
		st, _, _ = anon.do("POST", ppath, map[string]any{"answers": map[string]any{"service": "1", "recommend": "2"}})
		if st != 409 {
			t.Fatalf("replay: %d", st)
		}
		if st, _, _ := anon.do("GET", "/api/v1/public/surveys/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil); st != 404 {
			t.Fatalf("guessed token: %d", st)
		}
		st, _, m = a1.do("GET", cpath+"/survey-answers", nil)
		if st != 200 {
			t.Fatalf("answers: %d %v", st, m)
		}
		answers, err := env.App.Surveys.Answers(context.Background(), env.Actor("agent_a1"), c.ID, 10)
		if err != nil || len(answers) != 1 || !answers[0].Low || answers[0].TicketNumber == "" {
			t.Fatalf("stored answers: %+v %v", answers, err)
		}
		if env.App.Surveys.Complaints == fake && (len(fake.calls) != 1 || fake.calls[answers[0].ID] != 1) {
			t.Fatalf("complaint calls %v", fake.calls)
		}
		if st, _, m := a1.do("GET", fmt.Sprintf("%s/survey-answers/%d", cpath, answers[0].ID), nil); st != 200 || m["ticket_number"] == "" || m["low"] != true {
			t.Fatalf("answer: %d %v", st, m)
		}

		// Phone survey answered by the agent, then the report.
		st, _, m = a1.do("POST", cpath+"/survey-requests", map[string]any{"template_id": tid, "channel": "phone"})
		if st != 201 || m["token"] != nil {
			t.Fatalf("phone request: %d %v", st, m)
		}
		rid := int64(m["id"].(float64))
		st, _, m = a1.do("POST", fmt.Sprintf("%s/survey-requests/%d/answer", cpath, rid), map[string]any{"answers": map[string]any{"service": "9"}})
		if st != 400 || !hasLocation(m, "body.answers.service") {
			t.Fatalf("bad phone answer: %d %v", st, m)
		}
		st, _, m = a1.do("POST", fmt.Sprintf("%s/survey-requests/%d/answer", cpath, rid), map[string]any{"answers": map[string]any{"service": "5", "recommend": "10"}})
		if st != 201 || m["low"] != false {
			t.Fatalf("phone answer: %d %v", st, m)
		}
		st, _, m = mgr.do("GET", "/api/v1/survey-report?period=month&by=staff", nil)
		if st != 200 {
			t.Fatalf("report: %d %v", st, m)
		}
		total := m["total"].(map[string]any)
		if total["sent"].(float64) != 2 || total["answered"].(float64) != 2 || total["nps"].(float64) != 0 || total["csat"].(float64) != 50 {
			t.Fatalf("report total %v", total)
		}
		if st, _, _ := a1.do("GET", "/api/v1/survey-report", nil); st != 403 {
			t.Fatalf("agent reads report: %d", st)
		}
	})
}

// TestSurveyLowScoreOpensOneTicket runs through the real wiring: a low
// score answered on a link opens exactly one complaint ticket, however
// often the answer is replayed or the periodic job runs.
func TestSurveyLowScoreOpensOneTicket(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		if env.App.Surveys.Complaints == nil {
			t.Skip("the complaint module is not wired")
		}
		ctx := context.Background()
		c := env.Customer(t, "agent_a1", "赵六", "13900139000")
		tpl := &survey.Template{Name: "回访", Items: []survey.Item{{Key: "service", Type: survey.Scale5, TextZh: "满意吗", Required: true}}}
		if err := env.App.Surveys.CreateTemplate(ctx, env.Actor("mgr_a"), tpl); err != nil {
			t.Fatal(err)
		}
		req, err := env.App.Surveys.Send(ctx, env.Actor("agent_a1"), c.ID, tpl.ID, survey.ChannelLink)
		if err != nil {
			t.Fatal(err)
		}
		anon := client{t: t, base: env.URL}
		path := "/api/v1/public/surveys/" + req.Token
		for i := range 3 {
			st, _, m := anon.do("POST", path, map[string]any{"answers": map[string]any{"service": "1"}, "comment": "很不满意"})
			ok := st == 409
			if i == 0 {
				ok = st == 201 || st == 204
			}
			if !ok {
				t.Fatalf("submission %d: %d %v", i, st, m)
			}
		}
		for range 2 {
			if err := env.App.Surveys.OpenPendingComplaints(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		answers, err := env.App.Surveys.Answers(ctx, env.Actor("agent_a1"), c.ID, 10)
		if err != nil || len(answers) != 1 || answers[0].TicketID == nil || answers[0].TicketNumber == "" {
			t.Fatalf("answers %+v %v", answers, err)
		}
		var n int
		var id guanxi.ID
		if err := s.DB().QueryRow(fmt.Sprintf("SELECT COUNT(*), MIN(id) FROM tickets WHERE source_survey_answer_id = %d", answers[0].ID)).Scan(&n, &id); err != nil {
			t.Fatal(err)
		}
		if n != 1 || id != *answers[0].TicketID {
			t.Fatalf("%d tickets for the answer (first %d), want exactly one (%d)", n, id, *answers[0].TicketID)
		}
	})
}
