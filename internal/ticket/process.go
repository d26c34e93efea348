package ticket

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Step names one action of the CMP process.
type Step string

const (
	StepRegister Step = "register"
	StepConfirm  Step = "confirm"  // manager confirms the form (may correct category/severity)
	StepRoute    Step = "route"    // to the responsible unit and/or person
	StepHandle   Step = "handle"   // the responsible party records the handling result
	StepFeedback Step = "feedback" // the result is told to the customer
	StepOpinion  Step = "opinion"  // the customer's opinion and satisfaction
	StepClose    Step = "close"
	StepReopen   Step = "reopen"
	StepMerge    Step = "merge" // this ticket is a duplicate of another
	StepNote     Step = "note"  // a remark in the history, any open state
	StepEscalate Step = "escalate"
	StepNotice   Step = "notice" // rectification notice issued/answered/verified
)

// Steps lists the steps a person can take on a ticket page, in process order.
var Steps = []Step{StepConfirm, StepRoute, StepHandle, StepFeedback, StepOpinion, StepClose, StepReopen, StepMerge, StepNote}

// Action is one step with its inputs; only the fields of its step are read.
type Action struct {
	Step Step
	Note string
	// Confirm may correct these; Route sets the responsible party.
	CategoryID *guanxi.ID
	Severity   Severity
	OrgUnitID  *guanxi.ID
	AssigneeID *guanxi.ID
	// Handle.
	Resolution string
	RootCause  string
	// Feedback.
	Feedback        string
	FeedbackChannel string
	// Opinion.
	Opinion      string
	Satisfaction *int
	// Close before feedback: a manager's override with a reason.
	Override bool
	// Merge.
	MergeInto guanxi.ID
}

// from lists the statuses each step may start from.
var from = map[Step][]Status{
	StepConfirm:  {StatusRegistered},
	StepRoute:    {StatusConfirmed, StatusRouted, StatusHandled},
	StepHandle:   {StatusRouted},
	StepFeedback: {StatusHandled},
	StepOpinion:  {StatusFedBack, StatusClosed},
	StepClose:    {StatusFedBack},
	StepReopen:   {StatusClosed},
	StepMerge:    {StatusRegistered, StatusConfirmed, StatusRouted, StatusHandled},
	StepNote:     {StatusRegistered, StatusConfirmed, StatusRouted, StatusHandled, StatusFedBack, StatusClosed},
}

// to is the status a step leads to ("" keeps the status).
var to = map[Step]Status{
	StepConfirm: StatusConfirmed, StepRoute: StatusRouted, StepHandle: StatusHandled,
	StepFeedback: StatusFedBack, StepClose: StatusClosed, StepReopen: StatusRouted, StepMerge: StatusMerged,
}

// managerSteps need ticket.manage.
var managerSteps = map[Step]bool{StepConfirm: true, StepRoute: true, StepMerge: true}

// Allowed lists the steps a may take on t now (for buttons); Apply is the
// authority and checks the same rules.
func Allowed(t Ticket, a guanxi.Actor) []Step {
	var out []Step
	for _, s := range Steps {
		if mayTake(t, a, s) == nil {
			out = append(out, s)
		}
	}
	// A manager may close before feedback with a reason.
	if a.Can(guanxi.PermTicketManage) && t.Status.Open() && t.Status != StatusFedBack {
		out = append(out, StepClose)
	}
	return out
}

// responsible reports whether a is the ticket's assignee, or belongs to the
// responsible unit's subtree when no person is assigned.
func responsible(t Ticket, a guanxi.Actor) bool {
	if t.AssigneeID != nil {
		return *t.AssigneeID == a.UserID
	}
	return t.OrgUnitPath != "" && a.OrgPath != "" && strings.HasPrefix(t.OrgUnitPath, a.OrgPath)
}

// mayTake checks the state and the actor for step s, without its inputs.
func mayTake(t Ticket, a guanxi.Actor, s Step) error {
	if !a.Can(guanxi.PermTicketWrite) {
		return guanxi.Forbidden("error.forbidden")
	}
	if managerSteps[s] && !a.Can(guanxi.PermTicketManage) {
		return guanxi.Forbidden("ticket.step_manager_only")
	}
	ok := false
	for _, st := range from[s] {
		if st == t.Status {
			ok = true
		}
	}
	if !ok {
		return notAllowed(s, t.Status)
	}
	if s == StepHandle && !a.Can(guanxi.PermTicketManage) && !responsible(t, a) {
		return guanxi.Forbidden("ticket.step_responsible_only")
	}
	return nil
}

// Apply takes step act on t as a at now and returns the changed ticket and
// the history event. It refuses a step that the status or the actor does
// not allow with an error naming the step; nothing is stored here.
func Apply(t Ticket, a guanxi.Actor, act Action, now time.Time) (Ticket, Event, error) {
	ev := Event{TicketID: t.ID, At: now, ActorName: a.Name, Action: string(act.Step), FromStatus: string(t.Status)}
	if a.UserID != 0 {
		id := a.UserID
		ev.ActorID = &id
	}
	if ev.ActorName == "" {
		ev.ActorName = a.Username
	}
	act.Note = strings.TrimSpace(act.Note)
	var f guanxi.Fields
	tooLong(&f, "note", act.Note, 2000)
	override := false
	if act.Step == StepClose && t.Status != StatusFedBack && act.Override {
		// Closing before the result was fed back: managers only, with a reason.
		if !a.Can(guanxi.PermTicketManage) {
			return t, ev, guanxi.Forbidden("ticket.close_override_manager")
		}
		if !t.Status.Open() {
			return t, ev, notAllowed(act.Step, t.Status)
		}
		if act.Note == "" {
			f.Add("note", "ticket.close_reason_required")
			return t, ev, f.Err()
		}
		override = true
	} else if err := mayTake(t, a, act.Step); err != nil {
		if act.Step == StepClose && t.Status.Open() {
			return t, ev, &guanxi.Error{Kind: guanxi.KindConflict, Key: "ticket.close_before_feedback"}
		}
		return t, ev, err
	}
	n := t
	switch act.Step {
	case StepConfirm:
		if act.CategoryID != nil {
			n.CategoryID = act.CategoryID
		}
		if act.Severity != "" {
			if !validSeverity(act.Severity) {
				f.Add("severity", "validation.enum")
			}
			n.Severity = act.Severity
		}
		id := a.UserID
		n.ConfirmedBy, n.ConfirmedAt = &id, &now
		if n.FirstResponseAt == nil {
			n.FirstResponseAt = &now
		}
	case StepRoute:
		if act.OrgUnitID == nil && act.AssigneeID == nil {
			f.Add("org_unit_id", "ticket.route_target_required")
		}
		n.OrgUnitID, n.AssigneeID = act.OrgUnitID, act.AssigneeID
		if n.FirstResponseAt == nil {
			n.FirstResponseAt = &now
		}
	case StepHandle:
		n.Resolution = strings.TrimSpace(act.Resolution)
		n.RootCause = strings.TrimSpace(act.RootCause)
		if n.Resolution == "" {
			f.Add("resolution", "validation.required")
		}
		tooLong(&f, "resolution", n.Resolution, 4000)
		tooLong(&f, "root_cause", n.RootCause, 500)
		if n.FirstResponseAt == nil {
			n.FirstResponseAt = &now
		}
	case StepFeedback:
		n.Feedback = strings.TrimSpace(act.Feedback)
		n.FeedbackChannel = act.FeedbackChannel
		if n.Feedback == "" {
			f.Add("feedback", "validation.required")
		}
		tooLong(&f, "feedback", n.Feedback, 4000)
		if !validFeedbackChannel(n.FeedbackChannel) {
			f.Add("feedback_channel", "validation.enum")
		}
		n.ResolvedAt = &now
	case StepOpinion:
		n.Opinion = strings.TrimSpace(act.Opinion)
		n.Satisfaction = act.Satisfaction
		if n.Opinion == "" && n.Satisfaction == nil {
			f.Add("opinion", "validation.required")
		}
		if n.Satisfaction != nil && (*n.Satisfaction < 1 || *n.Satisfaction > 5) {
			f.Add("satisfaction", "settings.out_of_range", map[string]any{"min": 1, "max": 5})
		}
		tooLong(&f, "opinion", n.Opinion, 2000)
	case StepClose:
		n.ClosedAt = &now
		if override {
			n.CloseReason = act.Note
			ev.Action = "close_override"
		}
	case StepReopen:
		if act.Note == "" {
			f.Add("note", "ticket.reopen_reason_required")
		}
		n.ReopenCount++
		n.ClosedAt, n.ResolvedAt, n.CloseReason = nil, nil, ""
		n.Breached = false
	case StepMerge:
		if act.MergeInto == 0 || act.MergeInto == t.ID {
			f.Add("merge_into", "ticket.merge_target")
		}
		into := act.MergeInto
		n.MergedIntoID = &into
		n.ClosedAt = nil
	case StepNote:
		if act.Note == "" {
			f.Add("note", "validation.required")
		}
	default:
		return t, ev, guanxi.Invalid(guanxi.Field("step", "validation.enum"))
	}
	if err := f.Err(); err != nil {
		return t, ev, err
	}
	if s, ok := to[act.Step]; ok {
		n.Status = s
	}
	if override {
		n.Status = StatusClosed
	}
	ev.ToStatus = string(n.Status)
	ev.Note = act.Note
	return n, ev, nil
}

// notAllowed refuses step s in status st with a message naming the step
// and the state it needs ("ticket.not_allowed.<step>").
func notAllowed(s Step, st Status) error {
	return &guanxi.Error{Kind: guanxi.KindConflict, Key: "ticket.not_allowed." + string(s),
		Args: map[string]any{"status": string(st)}}
}

func tooLong(f *guanxi.Fields, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f.Add(field, "validation.too_long", map[string]any{"max": max})
	}
}
