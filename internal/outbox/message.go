// Package outbox is the messaging outbox (M14): templates with variables in
// zh-CN and en, channels (email over SMTP, SMS through provider adapters,
// in-app), scheduling, retries with backoff, delivery status, per-channel
// rate limits and unsubscribe. Other modules queue messages in their own
// transactions (sqlstore enqueueMessageTx); a dispatcher claims due
// messages like jobs, so nothing is sent twice after a crash.
package outbox

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Channels a message can go out on.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	ChannelInApp = "inapp" // a notification to a staff user
)

// Channels lists every channel.
var Channels = []string{ChannelSMS, ChannelEmail, ChannelInApp}

// Statuses of a message. queued and sending move on; the others are final.
const (
	StatusQueued     = "queued"
	StatusSending    = "sending"
	StatusSent       = "sent"
	StatusFailed     = "failed"     // last attempt failed; retried after next_attempt_at
	StatusDead       = "dead"       // gave up after the maximum attempts
	StatusCancelled  = "cancelled"  // withdrawn by the module that queued it
	StatusSuppressed = "suppressed" // not sent: no consent, unsubscribed, no address, quiet cap
)

// Purposes decide which consent a message needs: service messages
// (appointment reminders, expiry notices) need the channel's consent,
// marketing (greetings, promotions) needs it too and honours 退订.
const (
	PurposeService   = "service"
	PurposeCare      = "care"
	PurposeMarketing = "marketing"
)

// Message is one message to one recipient. To is empty when the address is
// taken from the customer at send time (mobile for SMS, email for email);
// Template names a message template whose variables are Vars, rendered in
// Locale when the message is sent. IdemKey is unique: queuing the same key
// twice is a no-op, which is how callers make their sends exactly-once, and
// it is passed to the provider as its idempotency key.
type Message struct {
	ID         guanxi.ID         `db:"id" json:"id"`
	Channel    string            `db:"channel" json:"channel"`
	Purpose    string            `db:"purpose" json:"purpose"`
	CustomerID *guanxi.ID        `db:"customer_id" json:"customer_id,omitempty"`
	UserID     *guanxi.ID        `db:"user_id" json:"user_id,omitempty"`
	To         string            `db:"recipient" json:"to,omitempty"`
	Template   string            `db:"template" json:"template"`
	Vars       map[string]string `db:"-" json:"vars,omitempty"`
	Locale     string            `db:"locale" json:"locale"`
	SendAfter  time.Time         `db:"send_after" json:"send_after"`
	IdemKey    string            `db:"idem_key" json:"idem_key"`
	RefKind    string            `db:"ref_kind" json:"ref_kind,omitempty"`
	RefID      *guanxi.ID        `db:"ref_id" json:"ref_id,omitempty"`
	Status     string            `db:"status" json:"status"`
	CreatedAt  time.Time         `db:"created_at" json:"created_at"`
}

// Delivery is the dispatcher's state of a message, kept beside Message so
// the queued form other modules build stays small.
type Delivery struct {
	Attempts      int        `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at" json:"next_attempt_at"`
	ClaimedUntil  *time.Time `db:"claimed_until" json:"-"`
	ClaimedBy     string     `db:"claimed_by" json:"-"`
	LastError     string     `db:"last_error" json:"last_error,omitempty"`
	ProviderID    string     `db:"provider_id" json:"provider_id,omitempty"`
	SentAt        *time.Time `db:"sent_at" json:"sent_at,omitempty"`
	Subject       string     `db:"subject" json:"subject,omitempty"` // rendered at send time
	Body          string     `db:"body" json:"body,omitempty"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updated_at"`
	Version       int64      `db:"version" json:"version"`
}

// Stored is a message as read back: the queued form, its delivery state
// and the vars as stored JSON.
type Stored struct {
	Message
	Delivery
	VarsJSON     string `db:"vars" json:"-"`
	CustomerName string `db:"customer_name" json:"customer_name,omitempty"`
}

// Attempt is one try at sending a message.
type Attempt struct {
	ID         int64     `db:"id" json:"id"`
	MessageID  int64     `db:"message_id" json:"message_id"`
	N          int       `db:"n" json:"n"`
	At         time.Time `db:"at" json:"at"`
	Outcome    string    `db:"outcome" json:"outcome"` // sent, failed, dead, suppressed
	Error      string    `db:"error" json:"error,omitempty"`
	ProviderID string    `db:"provider_id" json:"provider_id,omitempty"`
	By         string    `db:"claimed_by" json:"by"`
}

// Statuses lists every status in display order.
var Statuses = []string{StatusQueued, StatusSending, StatusSent, StatusFailed, StatusDead, StatusCancelled, StatusSuppressed}

// Purposes lists every purpose.
var Purposes = []string{PurposeService, PurposeCare, PurposeMarketing}
