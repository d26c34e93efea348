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
