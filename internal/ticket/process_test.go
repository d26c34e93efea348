package ticket

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

var (
	mgr   = guanxi.Actor{UserID: 2, Name: "王主管", Role: guanxi.RoleManager, OrgPath: "/1/2/"}
	agent = guanxi.Actor{UserID: 3, Name: "李经理", Role: guanxi.RoleAgent, OrgPath: "/1/2/4/"}
	other = guanxi.Actor{UserID: 5, Name: "周经理", Role: guanxi.RoleAgent, OrgPath: "/1/3/"}
	aud   = guanxi.Actor{UserID: 6, Name: "吴审计", Role: guanxi.RoleAuditor, OrgPath: "/1/"}
)

func idp(id guanxi.ID) *guanxi.ID { return &id }

// TestProcess walks the CMP steps and checks who may take each one and
// that refusals name the step.
func TestProcess(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	five := 5
	tk := Ticket{ID: 1, Status: StatusRegistered, Severity: SeverityMedium}
	type step struct {
		who     guanxi.Actor
		act     Action
		want    Status
		errKind guanxi.Kind // 0 with want set: success
		errKey  string
	}
	steps := []step{
		{agent, Action{Step: StepConfirm}, "", guanxi.KindForbidden, "ticket.step_manager_only"},
		{agent, Action{Step: StepClose}, "", guanxi.KindConflict, "ticket.close_before_feedback"},
		{aud, Action{Step: StepNote, Note: "x"}, "", guanxi.KindForbidden, "error.forbidden"},
		{mgr, Action{Step: StepHandle, Resolution: "x"}, "", guanxi.KindConflict, "ticket.not_allowed.handle"},
		{mgr, Action{Step: StepConfirm, Severity: SeverityHigh}, StatusConfirmed, 0, ""},
		{mgr, Action{Step: StepRoute}, "", guanxi.KindInvalid, "error.invalid"},
		{mgr, Action{Step: StepRoute, AssigneeID: idp(agent.UserID)}, StatusRouted, 0, ""},
		{other, Action{Step: StepHandle, Resolution: "x"}, "", guanxi.KindForbidden, "ticket.step_responsible_only"},
		{agent, Action{Step: StepHandle}, "", guanxi.KindInvalid, "error.invalid"},
		{agent, Action{Step: StepHandle, Resolution: "退还手续费", RootCause: "系统扣费错误"}, StatusHandled, 0, ""},
		{agent, Action{Step: StepClose}, "", guanxi.KindConflict, "ticket.close_before_feedback"},
		{agent, Action{Step: StepFeedback, Feedback: "已电话告知", FeedbackChannel: "phone"}, StatusFedBack, 0, ""},
		{agent, Action{Step: StepOpinion, Opinion: "满意", Satisfaction: &five}, StatusFedBack, 0, ""},
		{agent, Action{Step: StepClose}, StatusClosed, 0, ""},
		{agent, Action{Step: StepReopen}, "", guanxi.KindInvalid, "error.invalid"},
		{agent, Action{Step: StepReopen, Note: "客户再次来电"}, StatusRouted, 0, ""},
		{mgr, Action{Step: StepClose, Override: true}, "", guanxi.KindInvalid, "error.invalid"},
		{agent, Action{Step: StepClose, Override: true, Note: "x"}, "", guanxi.KindForbidden, "ticket.close_override_manager"},
		{mgr, Action{Step: StepClose, Override: true, Note: "客户撤诉"}, StatusClosed, 0, ""},
	}
	for i, s := range steps {
		n, ev, err := Apply(tk, s.who, s.act, now)
		if s.errKind != 0 {
			e := guanxi.AsError(err)
			if err == nil || e.Kind != s.errKind || e.Key != s.errKey {
				t.Fatalf("step %d %s by %s: err %v, want kind %d key %s", i, s.act.Step, s.who.Name, err, s.errKind, s.errKey)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s by %s: %v", i, s.act.Step, s.who.Name, err)
		}
		if n.Status != s.want || ev.ToStatus != string(s.want) || ev.FromStatus != string(tk.Status) || ev.ActorName != s.who.Name {
			t.Fatalf("step %d %s: status %s event %+v", i, s.act.Step, n.Status, ev)
		}
		tk = n
	}
	if tk.ReopenCount != 1 || tk.CloseReason != "客户撤诉" || tk.ClosedAt == nil || tk.Severity != SeverityHigh || tk.FirstResponseAt == nil {
		t.Fatalf("final ticket: %+v", tk)
	}
}

func TestAllowedButtons(t *testing.T) {
	tk := Ticket{Status: StatusRouted, AssigneeID: idp(agent.UserID)}
	has := func(ss []Step, s Step) bool {
		for _, x := range ss {
			if x == s {
				return true
			}
		}
		return false
	}
	if a := Allowed(tk, agent); !has(a, StepHandle) || has(a, StepRoute) || has(a, StepClose) {
		t.Errorf("assignee: %v", a)
	}
	if a := Allowed(tk, other); has(a, StepHandle) {
		t.Errorf("other agent: %v", a)
	}
	if a := Allowed(tk, mgr); !has(a, StepRoute) || !has(a, StepClose) || !has(a, StepMerge) {
		t.Errorf("manager: %v", a)
	}
	if a := Allowed(tk, aud); len(a) != 0 {
		t.Errorf("auditor: %v", a)
	}
}

func TestValidate(t *testing.T) {
	now := time.Now()
	tk := &Ticket{Channel: "fax"}
	tk.Normalize()
	err := Validate(tk, now)
	e := guanxi.AsError(err)
	want := map[string]bool{"subject": true, "description": true, "channel": true, "customer_id": true}
	for _, f := range e.Fields {
		delete(want, f.Field)
	}
	if len(want) != 0 {
		t.Errorf("missing field errors %v in %v", want, err)
	}
	ok := &Ticket{Channel: "phone", Subject: "扣费", Description: "多扣了手续费", ContactName: "张三"}
	ok.Normalize()
	if err := Validate(ok, now); err != nil || ok.Severity != SeverityMedium {
		t.Errorf("valid ticket: %v %s", err, ok.Severity)
	}
}

func TestNoticeSteps(t *testing.T) {
	now := time.Now()
	n := Notice{Status: NoticeIssued}
	if _, err := ApplyNotice(n, other, NoticeAction{Step: "respond", Text: "x"}, false, now); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatalf("outsider responds: %v", err)
	}
	n, err := ApplyNotice(n, agent, NoticeAction{Step: "respond", Text: "已整改"}, true, now)
	if err != nil || n.Status != NoticeResponded {
		t.Fatal(n, err)
	}
	if _, err := ApplyNotice(n, agent, NoticeAction{Step: "verify"}, true, now); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatalf("agent verifies: %v", err)
	}
	n, err = ApplyNotice(n, mgr, NoticeAction{Step: "reject", Text: "未完成"}, false, now)
	if err != nil || n.Status != NoticeRejected {
		t.Fatal(n, err)
	}
	if _, err := ApplyNotice(n, mgr, NoticeAction{Step: "verify"}, false, now); guanxi.KindOf(err) != guanxi.KindConflict {
		t.Fatalf("verify a rejected notice: %v", err)
	}
}
