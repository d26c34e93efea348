package api

import (
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// TicketOut is a complaint as the API shows it; the contact phone is masked.
type TicketOut struct {
	ID                   guanxi.ID  `json:"id"`
	Number               string     `json:"number" doc:"e.g. TS-2026-000123 (format is a setting)"`
	Status               string     `json:"status" enum:"registered,confirmed,routed,handled,fed_back,closed,merged"`
	Channel              string     `json:"channel"`
	CategoryID           *guanxi.ID `json:"category_id,omitempty"`
	CategoryName         string     `json:"category_name"`
	Severity             string     `json:"severity" enum:"low,medium,high,critical"`
	Subject              string     `json:"subject"`
	Description          string     `json:"description"`
	Demand               string     `json:"demand"`
	ContactName          string     `json:"contact_name"`
	ContactPhone         string     `json:"contact_phone" doc:"Masked"`
	CustomerID           *guanxi.ID `json:"customer_id,omitempty"`
	CustomerName         string     `json:"customer_name"`
	HoldingID            *guanxi.ID `json:"holding_id,omitempty"`
	OrgUnitID            *guanxi.ID `json:"org_unit_id,omitempty"`
	OrgUnitName          string     `json:"org_unit_name"`
	AssigneeID           *guanxi.ID `json:"assignee_id,omitempty"`
	AssigneeName         string     `json:"assignee_name"`
	ReceivedAt           time.Time  `json:"received_at"`
	Resolution           string     `json:"resolution"`
	RootCause            string     `json:"root_cause"`
	Feedback             string     `json:"feedback"`
	FeedbackChannel      string     `json:"feedback_channel"`
	Opinion              string     `json:"opinion"`
	Satisfaction         *int       `json:"satisfaction,omitempty"`
	FirstContact         bool       `json:"first_contact_resolution"`
	CloseReason          string     `json:"close_reason"`
	ReopenCount          int        `json:"reopen_count"`
	MergedIntoID         *guanxi.ID `json:"merged_into_id,omitempty"`
	ConfirmedAt          *time.Time `json:"confirmed_at,omitempty"`
	FirstResponseAt      *time.Time `json:"first_response_at,omitempty"`
	ResolvedAt           *time.Time `json:"resolved_at,omitempty" doc:"When the result was fed back to the customer"`
	ClosedAt             *time.Time `json:"closed_at,omitempty"`
	FirstResponseDue     *time.Time `json:"first_response_due_at,omitempty"`
	ResolutionDue        *time.Time `json:"resolution_due_at,omitempty"`
	EscalationLevel      int        `json:"escalation_level"`
	NextEscalationAt     *time.Time `json:"next_escalation_at,omitempty"`
	OmbudsmanDueAt       *time.Time `json:"ombudsman_due_at,omitempty"`
	Breached             bool       `json:"breached"`
	AllowedSteps         []string   `json:"allowed_steps" doc:"Steps the caller may take now"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
	Version              int64      `json:"version"`
	SourceSurveyAnswerID *guanxi.ID `json:"source_survey_answer_id,omitempty"`
}

func ticketOut(t ticket.Ticket, a guanxi.Actor) TicketOut {
	steps := []string{}
	for _, s := range ticket.Allowed(t, a) {
		steps = append(steps, string(s))
	}
	return TicketOut{ID: t.ID, Number: t.Number, Status: string(t.Status), Channel: t.Channel,
		CategoryID: t.CategoryID, CategoryName: t.CategoryName, Severity: string(t.Severity), Subject: t.Subject,
		Description: t.Description, Demand: t.Demand, ContactName: t.ContactName,
		ContactPhone: customer.MaskPhone(t.ContactPhone), CustomerID: t.CustomerID, CustomerName: t.CustomerName,
		HoldingID: t.HoldingID, OrgUnitID: t.OrgUnitID, OrgUnitName: t.OrgUnitName, AssigneeID: t.AssigneeID,
		AssigneeName: t.AssigneeName, ReceivedAt: t.ReceivedAt, Resolution: t.Resolution, RootCause: t.RootCause,
		Feedback: t.Feedback, FeedbackChannel: t.FeedbackChannel, Opinion: t.Opinion, Satisfaction: t.Satisfaction,
		FirstContact: t.FirstContact, CloseReason: t.CloseReason, ReopenCount: t.ReopenCount,
		MergedIntoID: t.MergedIntoID, ConfirmedAt: t.ConfirmedAt, FirstResponseAt: t.FirstResponseAt,
		ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt, FirstResponseDue: t.FirstResponseDue,
		ResolutionDue: t.ResolutionDue, EscalationLevel: t.EscalationLevel, NextEscalationAt: t.NextEscalationAt,
		OmbudsmanDueAt: t.OmbudsmanDueAt, Breached: t.Breached, AllowedSteps: steps, CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt, Version: t.Version, SourceSurveyAnswerID: t.SourceSurveyAnswerID}
}

// TicketIn is the body of a registration (《客户投诉处理表》).
type TicketIn struct {
	Channel      string     `json:"channel" enum:"phone,walk_in,letter,email,web_form,social_media,regulator,survey"`
	CategoryID   *guanxi.ID `json:"category_id,omitempty"`
	Severity     string     `json:"severity,omitempty" enum:"low,medium,high,critical"`
	Subject      string     `json:"subject" maxLength:"200"`
	Description  string     `json:"description" maxLength:"8000"`
	Demand       string     `json:"demand,omitempty" maxLength:"2000" doc:"What the customer asks for (客户诉求)"`
	ContactName  string     `json:"contact_name,omitempty" maxLength:"100"`
	ContactPhone string     `json:"contact_phone,omitempty" maxLength:"30"`
	CustomerID   *guanxi.ID `json:"customer_id,omitempty"`
	HoldingID    *guanxi.ID `json:"holding_id,omitempty"`
	OrgUnitID    *guanxi.ID `json:"org_unit_id,omitempty" doc:"Responsible unit, if known at registration"`
	ReceivedAt   *time.Time `json:"received_at,omitempty" doc:"When the complaint was received (default: now)"`
	FirstContact bool       `json:"first_contact_resolution,omitempty" doc:"Resolved during the first contact (CMP-10): registered as fed back"`
}

func (in TicketIn) ticket() ticket.Ticket {
	t := ticket.Ticket{Channel: in.Channel, CategoryID: in.CategoryID, Severity: ticket.Severity(in.Severity),
		Subject: in.Subject, Description: in.Description, Demand: in.Demand, ContactName: in.ContactName,
		ContactPhone: in.ContactPhone, CustomerID: in.CustomerID, HoldingID: in.HoldingID, OrgUnitID: in.OrgUnitID,
		FirstContact: in.FirstContact}
	if in.ReceivedAt != nil {
		t.ReceivedAt = *in.ReceivedAt
	}
	return t
}

// StepIn is one process step; only the fields of the step are read.
type StepIn struct {
	Step            string     `json:"step" enum:"confirm,route,handle,feedback,opinion,close,reopen,merge,note"`
	Note            string     `json:"note,omitempty" maxLength:"2000" doc:"Remark; the reason for reopen and override close"`
	CategoryID      *guanxi.ID `json:"category_id,omitempty" doc:"confirm: corrected category"`
	Severity        string     `json:"severity,omitempty" doc:"confirm: corrected severity"`
	OrgUnitID       *guanxi.ID `json:"org_unit_id,omitempty" doc:"route: responsible unit"`
	AssigneeID      *guanxi.ID `json:"assignee_id,omitempty" doc:"route: responsible person"`
	Resolution      string     `json:"resolution,omitempty" maxLength:"4000" doc:"handle: the handling result"`
	RootCause       string     `json:"root_cause,omitempty" maxLength:"500"`
	Feedback        string     `json:"feedback,omitempty" maxLength:"4000" doc:"feedback: what the customer was told"`
	FeedbackChannel string     `json:"feedback_channel,omitempty" doc:"phone, email, letter, in_person, sms, wechat"`
	Opinion         string     `json:"opinion,omitempty" maxLength:"2000" doc:"opinion: the customer's opinion"`
	Satisfaction    *int       `json:"satisfaction,omitempty" doc:"opinion: 1-5"`
	Override        bool       `json:"override,omitempty" doc:"close before feedback (managers, with note as the reason)"`
	MergeInto       guanxi.ID  `json:"merge_into,omitempty" doc:"merge: the ticket this one duplicates"`
}

func (in StepIn) action() ticket.Action {
	return ticket.Action{Step: ticket.Step(in.Step), Note: in.Note, CategoryID: in.CategoryID,
		Severity: ticket.Severity(in.Severity), OrgUnitID: in.OrgUnitID, AssigneeID: in.AssigneeID,
		Resolution: in.Resolution, RootCause: in.RootCause, Feedback: in.Feedback, FeedbackChannel: in.FeedbackChannel,
		Opinion: in.Opinion, Satisfaction: in.Satisfaction, Override: in.Override, MergeInto: in.MergeInto}
}

// TicketEventOut is one step of a ticket's history.
type TicketEventOut struct {
	At         time.Time  `json:"at"`
	ActorID    *guanxi.ID `json:"actor_id,omitempty"`
	ActorName  string     `json:"actor_name"`
	Action     string     `json:"action"`
	FromStatus string     `json:"from_status"`
	ToStatus   string     `json:"to_status"`
	Note       string     `json:"note"`
}

// NoticeOut is a rectification notice (整改通知单).
type NoticeOut struct {
	ID          guanxi.ID  `json:"id"`
	TicketID    guanxi.ID  `json:"ticket_id"`
	OrgUnitID   guanxi.ID  `json:"org_unit_id"`
	OrgUnitName string     `json:"org_unit_name"`
	Problem     string     `json:"problem"`
	Requirement string     `json:"requirement"`
	Deadline    string     `json:"deadline" doc:"YYYY-MM-DD"`
	Status      string     `json:"status" enum:"issued,responded,verified,rejected"`
	Response    string     `json:"response"`
	RespondedAt *time.Time `json:"responded_at,omitempty"`
	VerifyNote  string     `json:"verify_note"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	Version     int64      `json:"version"`
}

func noticeOut(n ticket.Notice) NoticeOut {
	return NoticeOut{ID: n.ID, TicketID: n.TicketID, OrgUnitID: n.OrgUnitID, OrgUnitName: n.OrgUnitName,
		Problem: n.Problem, Requirement: n.Requirement, Deadline: n.Deadline, Status: string(n.Status),
		Response: n.Response, RespondedAt: n.RespondedAt, VerifyNote: n.VerifyNote, VerifiedAt: n.VerifiedAt,
		CreatedAt: n.CreatedAt, Version: n.Version}
}

// PolicyIO is an SLA policy.
type PolicyIO struct {
	ID                guanxi.ID `json:"id,omitempty" readOnly:"true"`
	CategoryID        guanxi.ID `json:"category_id" doc:"0: any category"`
	Severity          string    `json:"severity" doc:"empty: any severity"`
	FirstResponse     int       `json:"first_response"`
	FirstResponseUnit string    `json:"first_response_unit" enum:"hours,days"`
	Resolution        int       `json:"resolution"`
	ResolutionUnit    string    `json:"resolution_unit" enum:"hours,days"`
	Version           int64     `json:"version,omitempty" readOnly:"true"`
}

func policyOut(p ticket.Policy) PolicyIO {
	return PolicyIO{ID: p.ID, CategoryID: p.CategoryID, Severity: string(p.Severity), FirstResponse: p.FirstResponse,
		FirstResponseUnit: string(p.FirstResponseUnit), Resolution: p.Resolution, ResolutionUnit: string(p.ResolutionUnit),
		Version: p.Version}
}

func (in PolicyIO) policy() ticket.Policy {
	return ticket.Policy{CategoryID: in.CategoryID, Severity: ticket.Severity(in.Severity), FirstResponse: in.FirstResponse,
		FirstResponseUnit: ticket.TargetUnit(in.FirstResponseUnit), Resolution: in.Resolution,
		ResolutionUnit: ticket.TargetUnit(in.ResolutionUnit)}
}

// CategoryIO is a node of the complaint category tree.
type CategoryIO struct {
	ID       guanxi.ID  `json:"id,omitempty" readOnly:"true"`
	ParentID *guanxi.ID `json:"parent_id,omitempty"`
	Code     string     `json:"code,omitempty" maxLength:"50"`
	NameZh   string     `json:"name_zh" maxLength:"100"`
	NameEn   string     `json:"name_en,omitempty" maxLength:"100"`
	Position int        `json:"position,omitempty"`
	Depth    int        `json:"depth" readOnly:"true"`
	Version  int64      `json:"version,omitempty" readOnly:"true"`
}

// NotificationOut is one in-app notification.
type NotificationOut struct {
	ID        guanxi.ID      `json:"id"`
	Kind      string         `json:"kind"`
	Text      string         `json:"text" doc:"In the caller's language"`
	TicketID  *guanxi.ID     `json:"ticket_id,omitempty"`
	Args      map[string]any `json:"args"`
	CreatedAt time.Time      `json:"created_at"`
	ReadAt    *time.Time     `json:"read_at,omitempty"`
}
