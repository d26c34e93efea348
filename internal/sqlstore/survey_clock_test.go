package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// TestSurveyServiceClock: a request and its answer carry the time of the
// service that made them (so reports put them in the right week), not the
// moment the row happened to be written.
func TestSurveyServiceClock(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := newCustomer("钱八", "13800138003", f.AgentA1.UserID)
		if err := (&customer.Service{Store: s}).Create(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		then := time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC)
		svc := &survey.Service{Store: s, Complaints: &fakeComplaints{}, Now: func() time.Time { return then }}
		tpl := surveyTemplate()
		if err := svc.CreateTemplate(ctx, f.ManagerA, tpl); err != nil {
			t.Fatal(err)
		}
		req, err := svc.Send(ctx, f.AgentA1, c.ID, tpl.ID, survey.ChannelPhone)
		if err != nil || !req.CreatedAt.Equal(then) {
			t.Fatalf("request at %v, want %v (%v)", req.CreatedAt, then, err)
		}
		ans, err := svc.Answer(ctx, f.AgentA1, c.ID, req.ID, survey.Input{"service": "5", "recommend": "9"}, "")
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := svc.GetAnswer(ctx, f.AgentA1, c.ID, ans.ID)
		if err != nil || !got.AnsweredAt.Equal(then) {
			t.Fatalf("answered at %v, want %v (%v)", got.AnsweredAt, then, err)
		}
	})
}
