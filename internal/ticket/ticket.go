// Package ticket is complaint handling (投诉, CMP-*): the ticket of the
// 《客户投诉处理表》, the process from registration to closure with who may
// take each step, rectification notices (整改通知单), SLA policies with due
// times on the business calendar, and multi-level escalation. Pure domain
// plus a thin Service; storage is internal/sqlstore.
package ticket

import (
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Status is a ticket's place in the CMP process.
type Status string

const (
	StatusRegistered Status = "registered" // 登记: the complaint form is filled
	StatusConfirmed  Status = "confirmed"  // 经理确认
	StatusRouted     Status = "routed"     // 交相关部门/人员处理
	StatusHandled    Status = "handled"    // 处理完毕, result not yet told to the customer
	StatusFedBack    Status = "fed_back"   // 结果已反馈客户
	StatusClosed     Status = "closed"     // 结案
	StatusMerged     Status = "merged"     // duplicate merged into another ticket
)

// Statuses lists the process in order.
var Statuses = []Status{StatusRegistered, StatusConfirmed, StatusRouted, StatusHandled, StatusFedBack, StatusClosed, StatusMerged}

// Open reports whether the ticket still runs SLA clocks.
func (s Status) Open() bool { return s != StatusClosed && s != StatusMerged }

// Channels a complaint arrives through (CMP-09, CMP-11).
var Channels = []string{"phone", "walk_in", "letter", "email", "web_form", "social_media", "regulator", "survey"}

// Severity of a complaint.
type Severity string

const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists severities from mildest.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// FeedbackChannels are how the result reaches the customer (CMP-29: the
// customer's choice).
var FeedbackChannels = []string{"phone", "email", "letter", "in_person", "sms", "wechat"}

// Ticket is one complaint: the fields of 《客户投诉处理表》 plus process state,
// SLA clocks and the analytics columns.
type Ticket struct {
	ID          guanxi.ID  `db:"id"`
	Number      string     `db:"number"`
	Status      Status     `db:"status"`
	Channel     string     `db:"channel"`
	CategoryID  *guanxi.ID `db:"category_id"`
	Severity    Severity   `db:"severity"`
	Subject     string     `db:"subject"`
	Description string     `db:"description"`
	Demand      string     `db:"demand"` // 客户诉求
	// Complainant as given on the form; the phone is masked on every surface.
	ContactName  string     `db:"contact_name"`
	ContactPhone string     `db:"contact_phone"`
	CustomerID   *guanxi.ID `db:"customer_id"`
	HoldingID    *guanxi.ID `db:"holding_id"`
	// OrgUnitID is the responsible unit (部门/团队); AssigneeID the person.
	OrgUnitID  *guanxi.ID `db:"org_unit_id"`
	AssigneeID *guanxi.ID `db:"assignee_id"`
	ReceivedAt time.Time  `db:"received_at"`
	// Handling and outcome.
	Resolution      string     `db:"resolution"`
	RootCause       string     `db:"root_cause"`
	Feedback        string     `db:"feedback"`
	FeedbackChannel string     `db:"feedback_channel"`
	Opinion         string     `db:"opinion"`
	Satisfaction    *int       `db:"satisfaction"` // 1–5 after closure
	FirstContact    bool       `db:"first_contact_resolution"`
	CloseReason     string     `db:"close_reason"` // manager override
	ReopenCount     int        `db:"reopen_count"`
	MergedIntoID    *guanxi.ID `db:"merged_into_id"`
	// Survey answer that opened the ticket (idempotency key).
	SourceSurveyAnswerID *guanxi.ID `db:"source_survey_answer_id"`
	// Who and when.
	CreatedBy       *guanxi.ID `db:"created_by"`
	ConfirmedBy     *guanxi.ID `db:"confirmed_by"`
	ConfirmedAt     *time.Time `db:"confirmed_at"`
	FirstResponseAt *time.Time `db:"first_response_at"`
	ResolvedAt      *time.Time `db:"resolved_at"`
	ClosedAt        *time.Time `db:"closed_at"`
	// SLA clocks, computed on the business calendar when registered or
	// confirmed (see Clocks).
	FirstResponseDue  *time.Time `db:"first_response_due_at"`
	FirstResponseWarn *time.Time `db:"first_response_warn_at"`
	ResolutionDue     *time.Time `db:"resolution_due_at"`
	ResolutionWarn    *time.Time `db:"resolution_warn_at"`
	EscalationLevel   int        `db:"escalation_level"`
	NextEscalationAt  *time.Time `db:"next_escalation_at"`
	OmbudsmanDueAt    *time.Time `db:"ombudsman_due_at"`
	OmbudsmanNoticeAt *time.Time `db:"ombudsman_notice_at"`
	Breached          bool       `db:"breached"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	Version           int64      `db:"version"`
	// Read-only names joined for display.
	CustomerName string `db:"customer_name"`
	CategoryName string `db:"category_name"`
	OrgUnitName  string `db:"org_unit_name"`
	OrgUnitPath  string `db:"org_unit_path"`
	AssigneeName string `db:"assignee_name"`
}

// Overdue reports whether the open ticket is past its resolution due time.
func (t Ticket) Overdue(now time.Time) bool {
	return t.Status.Open() && t.ResolvedAt == nil && t.ResolutionDue != nil && now.After(*t.ResolutionDue)
}

// Event is one step in a ticket's history: who did what, when.
type Event struct {
	ID         guanxi.ID  `db:"id"`
	TicketID   guanxi.ID  `db:"ticket_id"`
	At         time.Time  `db:"at"`
	ActorID    *guanxi.ID `db:"actor_id"`
	ActorName  string     `db:"actor_name"`
	Action     string     `db:"action"`
	FromStatus string     `db:"from_status"`
	ToStatus   string     `db:"to_status"`
	Note       string     `db:"note"`
}

// Category is a node of the complaint category tree.
type Category struct {
	ID       guanxi.ID  `db:"id"`
	ParentID *guanxi.ID `db:"parent_id"`
	Code     string     `db:"code"`
	NameZh   string     `db:"name_zh"`
	NameEn   string     `db:"name_en"`
	Depth    int        `db:"depth"`
	Position int        `db:"position"`
	Version  int64      `db:"version"`
}

// Name returns the category's name in lang.
func (c Category) Name(lang string) string {
	if lang == "en" && c.NameEn != "" {
		return c.NameEn
	}
	return c.NameZh
}

// ListQuery selects a page of the complaint board.
type ListQuery struct {
	Status     Status
	Open       bool // only open tickets (status not closed/merged)
	CategoryID guanxi.ID
	Severity   Severity
	OrgUnitID  guanxi.ID
	AssigneeID guanxi.ID
	CustomerID guanxi.ID
	Overdue    bool
	Limit      int
	Cursor     string
}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// MaxLimit caps a page.
const MaxLimit = 200

// Valid helpers.
func validChannel(c string) bool         { return slices.Contains(Channels, c) }
func validSeverity(s Severity) bool      { return slices.Contains(Severities, s) }
func validFeedbackChannel(c string) bool { return slices.Contains(FeedbackChannels, c) }
