// Package survey is follow-up surveys (回访调查): templates with scored items
// in immutable-once-used versions, requests sent to a customer (a signed
// one-time link, or a phone call guided by the script 话术), answers with
// their scores, CSAT and NPS, and the low-score complaint hand-off. It does
// no I/O; Service talks to a Store it declares.
package survey

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// ItemType is the kind of question.
type ItemType string

const (
	Scale5  ItemType = "scale_5"  // 1–5, satisfied at 4–5
	Scale10 ItemType = "scale_10" // 1–10, satisfied at 8–10
	NPS     ItemType = "nps"      // 0–10 likelihood to recommend (客户推荐度)
	YesNo   ItemType = "yes_no"
	Choice  ItemType = "choice"
	Text    ItemType = "text"
)

// ItemTypes lists the item types in display order.
var ItemTypes = []ItemType{Scale5, Scale10, NPS, YesNo, Choice, Text}

// Scored reports whether answers to the type carry a number.
func (t ItemType) Scored() bool { return t == Scale5 || t == Scale10 || t == NPS }

// Range is the lowest and highest score of a scored type.
func (t ItemType) Range() (lo, hi int) {
	switch t {
	case Scale5:
		return 1, 5
	case Scale10:
		return 1, 10
	case NPS:
		return 0, 10
	}
	return 0, 0
}

// Status of a template: archived templates keep their answers but cannot be sent.
type Status string

const (
	Active   Status = "active"
	Archived Status = "archived"
)

// Channel is how a request is answered.
type Channel string

const (
	ChannelLink  Channel = "link"  // the customer answers through a one-time link
	ChannelPhone Channel = "phone" // an agent asks by phone and records the answers
)

// Item is one question of a template version. Key is stable across
// versions so reports can follow an item through edits.
type Item struct {
	Key      string   `json:"key"`
	Type     ItemType `json:"type"`
	TextZh   string   `json:"text_zh"`
	TextEn   string   `json:"text_en"`
	Script   string   `json:"script,omitempty"` // 话术 the agent reads on a call
	Required bool     `json:"required"`
	Choices  []string `json:"choices,omitempty"`
}

// Text returns the question in lang, falling back to Chinese.
func (it Item) Text(lang string) string {
	if lang == "en" && it.TextEn != "" {
		return it.TextEn
	}
	return it.TextZh
}

// Template is a survey with its current version's items. OrgUnitID is the
// unit that owns it: its managers edit it, staff of the unit and below use it.
type Template struct {
	ID          guanxi.ID `db:"id"`
	OrgUnitID   guanxi.ID `db:"org_unit_id"`
	OrgUnitName string    `db:"org_unit_name"`
	Name        string    `db:"name"`
	Description string    `db:"description"`
	Status      Status    `db:"status"`
	// Revision is the number of the current version; VersionID its row.
	Revision  int       `db:"revision"`
	VersionID guanxi.ID `db:"version_id"`
	Items     []Item    `db:"-"`
	// Used is true once the current version has a request; the next edit
	// then starts a new version.
	Used      bool      `db:"used"`
	CreatedBy guanxi.ID `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	Version   int64     `db:"version"` // optimistic concurrency
}

// Version is one immutable-once-used set of items of a template.
type Version struct {
	ID         guanxi.ID `db:"id"`
	TemplateID guanxi.ID `db:"template_id"`
	Name       string    `db:"name"`
	Revision   int       `db:"revision"`
	Items      []Item    `db:"-"`
}

// Item returns the item with key.
func (v Version) Item(key string) (Item, bool) {
	for _, it := range v.Items {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

// Request is one survey sent to one customer: a link or a call. It is
// answered at most once.
type Request struct {
	ID          guanxi.ID  `db:"id"`
	CustomerID  guanxi.ID  `db:"customer_id"`
	TemplateID  guanxi.ID  `db:"template_id"`
	VersionID   guanxi.ID  `db:"template_version_id"`
	Channel     Channel    `db:"channel"`
	TokenHash   *string    `db:"token_hash"`
	ExpiresAt   *time.Time `db:"expires_at"`
	CreatedBy   guanxi.ID  `db:"created_by"`
	CreatorName string     `db:"creator_name"`
	OrgUnitID   guanxi.ID  `db:"org_unit_id"`
	CreatedAt   time.Time  `db:"created_at"`
	AnsweredAt  *time.Time `db:"answered_at"`
	AnswerID    *guanxi.ID `db:"answer_id"`
	Version     int64      `db:"version"`
	// Token is the plaintext link token, only on the request just created.
	Token string `db:"-"`
}

// Expired reports whether a link request can no longer be answered at now.
func (r Request) Expired(now time.Time) bool {
	return r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)
}

// Value is the answer to one item: Score for scored items (and 1/0 for
// yes/no), Text for choices and free text.
type Value struct {
	Key   string   `db:"item_key" json:"key"`
	Type  ItemType `db:"item_type" json:"type"`
	Score *int     `db:"score" json:"score,omitempty"`
	Text  string   `db:"value" json:"text,omitempty"`
	// Satisfied (CSAT items) and NPSClass (NPS items) are derived at
	// submission by the rules in score.go, so reports only add them up.
	Satisfied *bool `db:"satisfied" json:"-"`
	NPSClass  *int  `db:"nps_class" json:"-"`
}

// Answer is a submitted request.
type Answer struct {
	ID           guanxi.ID `db:"id"`
	RequestID    guanxi.ID `db:"request_id"`
	CustomerID   guanxi.ID `db:"customer_id"`
	TemplateID   guanxi.ID `db:"template_id"`
	TemplateName string    `db:"template_name"`
	VersionID    guanxi.ID `db:"template_version_id"`
	Revision     int       `db:"revision"`
	Channel      Channel   `db:"channel"`
	// StaffID is who sent the link or made the call; OrgUnitID their unit
	// at that time (the team of the follow-up reports).
	StaffID   guanxi.ID `db:"staff_id"`
	StaffName string    `db:"staff_name"`
	OrgUnitID guanxi.ID `db:"org_unit_id"`
	Comment   string    `db:"comment"`
	// Score is the answer's lowest normalised item score (0–100), nil when
	// no item was scored; Low marks it below the threshold.
	Score        *float64   `db:"score"`
	Low          bool       `db:"low"`
	TicketID     *guanxi.ID `db:"ticket_id"`
	TicketNumber string     `db:"ticket_number"`
	AnsweredAt   time.Time  `db:"answered_at"`
	Version      int64      `db:"version"`
	Values       []Value    `db:"-"`
}
