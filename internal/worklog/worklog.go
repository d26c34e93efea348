// Package worklog holds staff work logs (工作日志) and visit forms
// (营销人员出访单) with their manager review: submit, then approve or
// return with a comment, after which the author may edit and submit again.
// It does no I/O; the Service declares the Store it needs.
package worklog

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Kinds of entry.
const (
	KindLog   = "log"
	KindVisit = "visit"
)

// Kinds lists the entry kinds.
var Kinds = []string{KindLog, KindVisit}

// Statuses of an entry.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusApproved  = "approved"
	StatusReturned  = "returned"
)

// Statuses lists every status.
var Statuses = []string{StatusDraft, StatusSubmitted, StatusApproved, StatusReturned}

// CustomerRef names a customer an entry touched.
type CustomerRef struct {
	ID   guanxi.ID `db:"customer_id"`
	Name string    `db:"name"`
}

// Entry is one work log or visit form.
type Entry struct {
	ID         guanxi.ID `db:"id"`
	Kind       string    `db:"kind"`
	AuthorID   guanxi.ID `db:"author_id"`
	AuthorName string    `db:"author_name"`
	WorkOn     string    `db:"work_on"`
	// Log: what was done and how long.
	Content string `db:"content"`
	Minutes int    `db:"minutes"`
	// Visit: where, whom, how to reach them, why, and what came of it.
	Destination   string `db:"destination"`
	PersonVisited string `db:"person_visited"`
	Contact       string `db:"contact"`
	Purpose       string `db:"purpose"`
	Result        string `db:"result"`

	Status        string     `db:"status"`
	SubmittedAt   *time.Time `db:"submitted_at"`
	ReviewerID    *guanxi.ID `db:"reviewer_id"`
	ReviewerName  string     `db:"reviewer_name"`
	ReviewedAt    *time.Time `db:"reviewed_at"`
	ReviewComment string     `db:"review_comment"`
	Version       int64      `db:"version"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`

	// CustomerIDs are the customers to link when saving; Customers those
	// linked, as far as the reader's scope shows them.
	CustomerIDs []guanxi.ID   `db:"-"`
	Customers   []CustomerRef `db:"-"`
}

// Editable reports whether the author may still change the entry.
func (e Entry) Editable() bool { return e.Status == StatusDraft || e.Status == StatusReturned }

// Hours renders Minutes as hours, e.g. "1.5".
func (e Entry) Hours() string {
	if e.Minutes == 0 {
		return ""
	}
	h := e.Minutes / 60
	frac := (e.Minutes % 60) * 10 / 60
	s := itoa(h)
	if frac > 0 {
		s += "." + itoa(frac)
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func trim(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}

func maxLen(f *guanxi.Fields, field, v string, n int) {
	if utf8.RuneCountInString(v) > n {
		f.Add(field, "validation.too_long", map[string]any{"max": n})
	}
}

func required(f *guanxi.Fields, field, v string) bool {
	if v == "" {
		f.Add(field, "validation.required")
		return false
	}
	return true
}

// Validate checks an entry before it is saved.
func Validate(e *Entry) error {
	var f guanxi.Fields
	trim(&e.Content, &e.Destination, &e.PersonVisited, &e.Contact, &e.Purpose, &e.Result, &e.WorkOn)
	if !slices.Contains(Kinds, e.Kind) {
		f.Add("kind", "validation.enum")
	}
	if required(&f, "work_on", e.WorkOn) {
		if _, err := time.Parse(time.DateOnly, e.WorkOn); err != nil {
			f.Add("work_on", "validation.date")
		}
	}
	switch e.Kind {
	case KindLog:
		required(&f, "content", e.Content)
		if e.Minutes < 0 || e.Minutes > 24*60 {
			f.Add("hours", "validation.hours")
		}
		e.Destination, e.PersonVisited, e.Contact, e.Purpose, e.Result = "", "", "", "", ""
	case KindVisit:
		// TEAM-08: destination, person visited and contact are mandatory.
		required(&f, "destination", e.Destination)
		required(&f, "person_visited", e.PersonVisited)
		required(&f, "contact", e.Contact)
		if len(e.CustomerIDs) > 1 {
			f.Add("customer_ids", "validation.too_many", map[string]any{"max": 1})
		}
		e.Minutes = 0
	}
	maxLen(&f, "content", e.Content, 4000)
	maxLen(&f, "destination", e.Destination, 200)
	maxLen(&f, "person_visited", e.PersonVisited, 100)
	maxLen(&f, "contact", e.Contact, 100)
	maxLen(&f, "purpose", e.Purpose, 500)
	maxLen(&f, "result", e.Result, 2000)
	if len(e.CustomerIDs) > 50 {
		f.Add("customer_ids", "validation.too_many", map[string]any{"max": 50})
	}
	slices.Sort(e.CustomerIDs)
	e.CustomerIDs = slices.Compact(e.CustomerIDs)
	return f.Err()
}
