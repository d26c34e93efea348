package sqlstore_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// fakeComplaints records every call, as the ticket module would receive them.
type fakeComplaints struct {
	mu    sync.Mutex
	calls []guanxi.ID
	fail  bool
}

func (f *fakeComplaints) OpenComplaintFromSurvey(_ context.Context, _ guanxi.Actor, _, answerID guanxi.ID, _ float64, _ string) (guanxi.ID, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return 0, "", guanxi.Internal(context.DeadlineExceeded)
	}
	f.calls = append(f.calls, answerID)
	return 900 + answerID, "TS-2026-000001", nil
}

func surveyTemplate() *survey.Template {
	return &survey.Template{Name: "交车回访", Items: []survey.Item{
		{Key: "service", Type: survey.Scale5, TextZh: "您对服务满意吗？", TextEn: "Satisfied with the service?", Script: "您好，我是…", Required: true},
		{Key: "recommend", Type: survey.NPS, TextZh: "您愿意推荐我们吗？", Required: true},
		{Key: "on_time", Type: survey.YesNo, TextZh: "是否准时交车？"},
		{Key: "note", Type: survey.Text, TextZh: "其他建议"},
	}}
}

func TestSurveyFlow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		cs := &customer.Service{Store: s}
		c := newCustomer("张三丰", "13800138000", f.AgentA1.UserID)
		if err := cs.Create(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		fake := &fakeComplaints{}
		// The service clock stamps rows and moves forward to expire links.
		now := time.Now().UTC().Truncate(time.Microsecond)
		start := now
		svc := &survey.Service{Store: s, Complaints: fake, Now: func() time.Time { return now }}

		// Agents cannot create templates; a manager creates one for branch A.
		if err := svc.CreateTemplate(ctx, f.AgentA1, surveyTemplate()); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent created a template: %v", err)
		}
		bad := surveyTemplate()
		bad.OrgUnitID = 3 // branch B: outside mgr_a's subtree
		if err := svc.CreateTemplate(ctx, f.ManagerA, bad); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("manager created for another branch: %v", err)
		}
		tpl := surveyTemplate()
		if err := svc.CreateTemplate(ctx, f.ManagerA, tpl); err != nil {
			t.Fatal(err)
		}
		if tpl.Revision != 1 || tpl.OrgUnitID != 2 {
			t.Fatalf("created %+v", tpl)
		}
		// Staff of the unit and below use it; branch B does not see it.
		if list, err := svc.Templates(ctx, f.AgentA1, false); err != nil || len(list) != 1 {
			t.Fatalf("agent a1 templates: %v %v", list, err)
		}
		if list, err := svc.Templates(ctx, f.AgentB, false); err != nil || len(list) != 0 {
			t.Fatalf("agent b templates: %v %v", list, err)
		}
		// Editing an unused version changes it in place.
		got, err := svc.UpdateTemplate(ctx, f.ManagerA, tpl.ID, tpl.Version, func(x *survey.Template) error {
			x.Items[0].TextEn = "How satisfied are you with our service?"
			return nil
		})
		if err != nil || got.Revision != 1 || got.Version != 2 {
			t.Fatalf("edit unused: %+v %v", got, err)
		}
		if _, err := svc.UpdateTemplate(ctx, f.ManagerA, tpl.ID, 1, func(*survey.Template) error { return nil }); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale edit: %v", err)
		}

		// Send a link; only the hash is stored.
		if _, err := svc.Send(ctx, f.AgentB, c.ID, tpl.ID, survey.ChannelLink); guanxi.KindOf(err) != guanxi.KindInvalid && guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("agent b sent for a customer out of scope: %v", err)
		}
		req, err := svc.Send(ctx, f.AgentA1, c.ID, tpl.ID, survey.ChannelLink)
		if err != nil || !survey.WellFormed(req.Token) || req.ExpiresAt == nil || !req.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
			t.Fatalf("send: %+v %v", req, err)
		}
		var stored string
		if err := s.DB().QueryRow("SELECT token_hash FROM survey_requests WHERE id = " + strconv.FormatInt(req.ID, 10)).Scan(&stored); err != nil || stored != survey.HashToken(req.Token) || stored == req.Token {
			t.Fatalf("stored token %q %v", stored, err)
		}

		// Editing now makes revision 2; the link keeps revision 1.
		got, err = svc.UpdateTemplate(ctx, f.ManagerA, tpl.ID, got.Version, func(x *survey.Template) error {
			x.Items = append(x.Items, survey.Item{Key: "extra", Type: survey.Scale10, TextZh: "新问题"})
			return nil
		})
		if err != nil || got.Revision != 2 || got.VersionID == req.VersionID {
			t.Fatalf("edit used: %+v %v", got, err)
		}

		form, err := svc.Public(ctx, req.Token, "1.2.3.4")
		if err != nil || form.Greeting != "张**" || len(form.Version.Items) != 4 || form.Version.Revision != 1 {
			t.Fatalf("public form: %+v %v", form, err)
		}
		// Change the first character (to one it is not: 1 in 64 tokens
		// starts with x).
		guess := "x" + req.Token[1:]
		if req.Token[0] == 'x' {
			guess = "y" + req.Token[1:]
		}
		if _, err := svc.Public(ctx, guess, "1.2.3.4"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("guessed token: %v", err)
		}
		// Missing required answers and out-of-range scores are field errors.
		_, err = svc.PublicAnswer(ctx, req.Token, "1.2.3.4", survey.Input{"service": "7"}, "")
		if e := guanxi.AsError(err); e.Kind != guanxi.KindInvalid || len(e.Fields) != 2 {
			t.Fatalf("bad answer: %v", err)
		}
		// A low score opens exactly one complaint, recorded on the answer.
		ans, err := svc.PublicAnswer(ctx, req.Token, "1.2.3.4", survey.Input{"service": "2", "recommend": "9", "on_time": "yes"}, "太慢了")
		if err != nil || !ans.Low || ans.Score == nil || *ans.Score != 25 || ans.TicketID == nil || ans.TicketNumber == "" {
			t.Fatalf("answer: %+v %v", ans, err)
		}
		// Replays: the link is used, and no second complaint is asked for.
		if _, err := svc.PublicAnswer(ctx, req.Token, "1.2.3.4", survey.Input{"service": "1", "recommend": "0"}, ""); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("replay: %v", err)
		}
		if _, err := svc.Answer(ctx, f.AgentA1, c.ID, req.ID, survey.Input{"service": "1", "recommend": "0"}, ""); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("staff replay: %v", err)
		}
		if err := svc.OpenPendingComplaints(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if len(fake.calls) != 1 || fake.calls[0] != ans.ID {
			t.Fatalf("complaint calls %v, want exactly [%d]", fake.calls, ans.ID)
		}
		back, _, err := svc.GetAnswer(ctx, f.AgentA1, c.ID, ans.ID)
		if err != nil || back.TicketID == nil || *back.TicketID != 900+ans.ID || len(back.Values) != 3 || back.Comment != "太慢了" {
			t.Fatalf("stored answer: %+v %v", back, err)
		}
		if _, _, err := svc.GetAnswer(ctx, f.AgentB, c.ID, ans.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("agent b read answer: %v", err)
		}

		// Phone: the agent answers; the complaint module is down, so the
		// periodic job opens it later, once.
		fake.fail = true
		call, err := svc.Send(ctx, f.AgentA1, c.ID, tpl.ID, survey.ChannelPhone)
		if err != nil || call.Token != "" || call.VersionID != got.VersionID {
			t.Fatalf("phone request: %+v %v", call, err)
		}
		ans2, err := svc.Answer(ctx, f.AgentA1, c.ID, call.ID, survey.Input{"service": "5", "recommend": "3"}, "")
		if err != nil || !ans2.Low || ans2.TicketID != nil {
			t.Fatalf("phone answer: %+v %v", ans2, err)
		}
		fake.fail = false
		for range 2 {
			if err := svc.OpenPendingComplaints(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if len(fake.calls) != 2 || fake.calls[1] != ans2.ID {
			t.Fatalf("complaint calls %v", fake.calls)
		}

		// Expired links cannot be answered.
		old, err := svc.Send(ctx, f.AgentA1, c.ID, tpl.ID, survey.ChannelLink)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(8 * 24 * time.Hour)
		if _, err := svc.Public(ctx, old.Token, "1.2.3.4"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("expired link: %v", err)
		}

		// Report: the week of the answers, by staff, in mgr_a's scope.
		rep, err := svc.Report(ctx, f.ManagerA, survey.ReportQuery{Kind: survey.Week, At: start, By: survey.ByStaff, TemplateID: tpl.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Sent != 3 || rep.Total.Answered != 2 || rep.Total.Low != 2 || len(rep.Groups) != 1 || rep.Groups[0].Name != "agent_a1" {
			t.Fatalf("report totals %+v groups %+v", rep.Total, rep.Groups)
		}
		if csat, ok := rep.Total.CSAT(); !ok || csat != 50 {
			t.Fatalf("csat %v %v", csat, ok)
		}
		if nps, ok := rep.Total.NPS(); !ok || nps != 0 {
			t.Fatalf("nps %v %v (one promoter, one detractor)", nps, ok)
		}
		if len(rep.Trend) != survey.TrendPeriods || rep.Trend[len(rep.Trend)-1].Answered != 2 {
			t.Fatalf("trend %+v", rep.Trend)
		}
		var items int
		for _, it := range rep.Items {
			if it.Key == "service" && it.Scored == 2 && it.Satisfied == 1 {
				items++
			}
			if it.Key == "on_time" && it.YesN == 1 && it.Yes == 1 {
				items++
			}
		}
		if items != 2 {
			t.Fatalf("items %+v", rep.Items)
		}
		// Branch B's manager sees nothing of branch A's customers.
		rb, err := svc.Report(ctx, guanxi.Actor{UserID: 99, Role: guanxi.RoleManager, OrgPath: "/1/3/"}, survey.ReportQuery{Kind: survey.Week, At: start})
		if err != nil || rb.Total.Sent != 0 || rb.Total.Answered != 0 {
			t.Fatalf("report of branch B: %+v %v", rb.Total, err)
		}
		if n := auditRows(t, s, "create"); n < 6 {
			t.Fatalf("audit rows %d", n)
		}
	})
}
