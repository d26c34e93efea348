package ticket

import (
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Normalize trims the text fields and fills defaults.
func (t *Ticket) Normalize() {
	for _, p := range []*string{&t.Subject, &t.Description, &t.Demand, &t.ContactName, &t.ContactPhone, &t.Channel} {
		*p = strings.TrimSpace(*p)
	}
	t.ContactPhone = strings.NewReplacer(" ", "", "-", "").Replace(t.ContactPhone)
	if t.Severity == "" {
		t.Severity = SeverityMedium
	}
}

// Validate checks the fields of the complaint form on registration.
func Validate(t *Ticket, now time.Time) error {
	var f guanxi.Fields
	if t.Subject == "" {
		f.Add("subject", "validation.required")
	}
	tooLong(&f, "subject", t.Subject, 200)
	if t.Description == "" {
		f.Add("description", "validation.required")
	}
	tooLong(&f, "description", t.Description, 8000)
	tooLong(&f, "demand", t.Demand, 2000)
	tooLong(&f, "contact_name", t.ContactName, 100)
	if len(t.ContactPhone) > 30 {
		f.Add("contact_phone", "validation.too_long", map[string]any{"max": 30})
	}
	if !validChannel(t.Channel) {
		f.Add("channel", "validation.enum")
	}
	if !validSeverity(t.Severity) {
		f.Add("severity", "validation.enum")
	}
	if t.CustomerID == nil && t.ContactName == "" {
		f.Add("customer_id", "ticket.customer_or_contact")
	}
	if !t.ReceivedAt.IsZero() && t.ReceivedAt.After(now.Add(5*time.Minute)) {
		f.Add("received_at", "ticket.received_future")
	}
	return f.Err()
}

// NoticeStatus is the state of a rectification notice.
type NoticeStatus string

const (
	NoticeIssued    NoticeStatus = "issued"    // sent to the responsible unit
	NoticeResponded NoticeStatus = "responded" // the unit reported its rectification
	NoticeVerified  NoticeStatus = "verified"  // checked and accepted
	NoticeRejected  NoticeStatus = "rejected"  // checked and sent back (unit responds again)
)

// NoticeStatuses lists the states.
var NoticeStatuses = []NoticeStatus{NoticeIssued, NoticeResponded, NoticeVerified, NoticeRejected}

// Notice is a rectification notice (问题整改通知单) to a unit about a ticket.
type Notice struct {
	ID          guanxi.ID    `db:"id"`
	TicketID    guanxi.ID    `db:"ticket_id"`
	OrgUnitID   guanxi.ID    `db:"org_unit_id"`
	OrgUnitName string       `db:"org_unit_name"`
	Problem     string       `db:"problem"`
	Requirement string       `db:"requirement"`
	Deadline    string       `db:"deadline"` // YYYY-MM-DD
	Status      NoticeStatus `db:"status"`
	Response    string       `db:"response"`
	RespondedAt *time.Time   `db:"responded_at"`
	VerifyNote  string       `db:"verify_note"`
	VerifiedAt  *time.Time   `db:"verified_at"`
	CreatedBy   *guanxi.ID   `db:"created_by"`
	CreatedAt   time.Time    `db:"created_at"`
	UpdatedAt   time.Time    `db:"updated_at"`
	Version     int64        `db:"version"`
}

// ValidateNotice checks a new notice.
func ValidateNotice(n *Notice) error {
	var f guanxi.Fields
	n.Problem, n.Requirement = strings.TrimSpace(n.Problem), strings.TrimSpace(n.Requirement)
	if n.OrgUnitID == 0 {
		f.Add("org_unit_id", "validation.required")
	}
	if n.Problem == "" {
		f.Add("problem", "validation.required")
	}
	tooLong(&f, "problem", n.Problem, 4000)
	tooLong(&f, "requirement", n.Requirement, 4000)
	if _, err := time.Parse(time.DateOnly, n.Deadline); err != nil {
		f.Add("deadline", "validation.date")
	}
	return f.Err()
}

// NoticeAction moves a notice: respond (the unit), verify or reject (a manager).
type NoticeAction struct {
	Step string // "respond", "verify", "reject"
	Text string
}

// ApplyNotice takes a notice step as a; responsible reports whether a
// belongs to the notice's unit subtree.
func ApplyNotice(n Notice, a guanxi.Actor, act NoticeAction, responsible bool, now time.Time) (Notice, error) {
	text := strings.TrimSpace(act.Text)
	var f guanxi.Fields
	tooLong(&f, "text", text, 4000)
	if err := f.Err(); err != nil {
		return n, err
	}
	wrong := &guanxi.Error{Kind: guanxi.KindConflict, Key: "ticket.notice_step_not_allowed",
		Args: map[string]any{"step": act.Step, "status": string(n.Status)}}
	switch act.Step {
	case "respond":
		if n.Status != NoticeIssued && n.Status != NoticeRejected {
			return n, wrong
		}
		if !responsible && !a.Can(guanxi.PermTicketManage) {
			return n, guanxi.Forbidden("ticket.step_responsible_only")
		}
		if text == "" {
			return n, guanxi.Invalid(guanxi.Field("text", "validation.required"))
		}
		n.Status, n.Response, n.RespondedAt = NoticeResponded, text, &now
	case "verify", "reject":
		if n.Status != NoticeResponded {
			return n, wrong
		}
		if !a.Can(guanxi.PermTicketManage) {
			return n, guanxi.Forbidden("ticket.step_manager_only")
		}
		if act.Step == "reject" && text == "" {
			return n, guanxi.Invalid(guanxi.Field("text", "validation.required"))
		}
		n.VerifyNote = text
		if act.Step == "verify" {
			n.Status, n.VerifiedAt = NoticeVerified, &now
		} else {
			n.Status = NoticeRejected
		}
	default:
		return n, guanxi.Invalid(guanxi.Field("step", "validation.enum"))
	}
	return n, nil
}
