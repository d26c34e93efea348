// Package consent is the vocabulary of the consent ledger (PIPL 14-15):
// purposes, channels, actions and sources, the current state derived from
// the latest event per purpose and channel, and how the legacy
// channel→bool map on the customer maps onto it. It does no I/O.
package consent

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Purposes are the outbox purposes (outbox.Purpose*): service messages
// (appointment confirmations, ticket notices: needed for a contract, PIPL
// 13(2)), care messages (birthday, festival, dormancy care rules) and
// marketing (campaigns).
const (
	PurposeService   = "service"
	PurposeCare      = "care"
	PurposeMarketing = "marketing"
)

// Purposes lists every purpose in display order.
var Purposes = []string{PurposeMarketing, PurposeCare, PurposeService}

// Channels are customer.ConsentChannels.
var Channels = []string{"sms", "email", "phone", "wechat"}

// Actions.
const (
	Grant    = "grant"
	Withdraw = "withdraw"
)

// Sources say where a change came from.
const (
	SourceForm        = "form"             // the customer edit form
	SourceAPI         = "api"              // PATCH of the customer's consent map
	SourceImport      = "import"           // a customer import
	SourceUnsubscribe = "unsubscribe_link" // the link in a care or marketing message
	SourceSMSReply    = "sms_reply"        // 退订 / TD reply
	SourcePage        = "consent_page"     // the consent page or consent-events API
)

// Sources lists every source a caller may record.
var Sources = []string{SourceForm, SourceAPI, SourceImport, SourceUnsubscribe, SourceSMSReply, SourcePage}

// SettingNoticeVersion is the setting holding the privacy notice version
// recorded with each grant.
const SettingNoticeVersion = "privacy.notice_version"

// Event is one ledger row.
type Event struct {
	ID            guanxi.ID  `db:"id" json:"id"`
	CustomerID    guanxi.ID  `db:"customer_id" json:"customer_id"`
	Purpose       string     `db:"purpose" json:"purpose"`
	Channel       string     `db:"channel" json:"channel"`
	Action        string     `db:"action" json:"action"`
	NoticeVersion string     `db:"notice_version" json:"notice_version"`
	Source        string     `db:"source" json:"source"`
	ActorID       *guanxi.ID `db:"actor_id" json:"actor_id,omitempty"`
	ActorName     string     `db:"actor_name" json:"actor_name"`
	Note          string     `db:"note" json:"note"`
	At            time.Time  `db:"at" json:"at"`
}

// Change is one requested grant or withdrawal.
type Change struct {
	Purpose, Channel, Action string
}

// Key names a purpose on a channel.
type Key struct{ Purpose, Channel string }

// State is the latest action per purpose and channel; a missing key has
// no ledger event.
type State map[Key]string

// Validate checks one requested change.
func Validate(c Change) error {
	var fs []guanxi.FieldError
	if !slices.Contains(Purposes, c.Purpose) {
		fs = append(fs, guanxi.Field("purpose", "validation.enum"))
	}
	if !slices.Contains(Channels, c.Channel) {
		fs = append(fs, guanxi.Field("channel", "validation.enum"))
	}
	if c.Action != Grant && c.Action != Withdraw {
		fs = append(fs, guanxi.Field("action", "validation.enum"))
	}
	if len(fs) > 0 {
		return guanxi.Invalid(fs...)
	}
	return nil
}

// ValidSource reports whether s is a known source.
func ValidSource(s string) bool { return slices.Contains(Sources, s) }

// CleanNote trims a note to 500 runes.
func CleanNote(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > 500 {
		r = r[:500]
	}
	return string(r)
}

// LegacyPurposes are the purposes a channel switch on the customer form,
// the API consent map or an import stands for: all of them, so that a
// switched-off channel keeps suppressing service messages as it did before
// the ledger.
var LegacyPurposes = []string{PurposeMarketing, PurposeCare, PurposeService}

// UnsubscribePurposes are withdrawn by an unsubscribe link or 退订 reply:
// the purposes whose messages carry the link. Service messages go on until
// service is withdrawn on the consent page.
var UnsubscribePurposes = []string{PurposeMarketing, PurposeCare}

// LegacyChanges turns an edit of the channel→bool map into ledger changes:
// a channel whose value changed (or appeared) is granted or withdrawn for
// every LegacyPurpose. A removed key changes nothing.
func LegacyChanges(before, after map[string]bool) []Change {
	var out []Change
	for _, ch := range Channels {
		v, set := after[ch]
		if !set {
			continue
		}
		if old, was := before[ch]; was && old == v {
			continue
		}
		action := Withdraw
		if v {
			action = Grant
		}
		for _, p := range LegacyPurposes {
			out = append(out, Change{Purpose: p, Channel: ch, Action: action})
		}
	}
	return out
}

// Summary is what customers.consent[channel] holds once the ledger has an
// event for the channel: true when care or marketing is granted on it (the
// "may we contact you here" switch shown on the form). Channels with no
// event keep their legacy value.
func Summary(st State, legacy map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range legacy {
		out[k] = v
	}
	for _, ch := range Channels {
		seen, yes := false, false
		for _, p := range Purposes {
			a, ok := st[Key{p, ch}]
			if !ok {
				continue
			}
			seen = true
			if a == Grant && p != PurposeService {
				yes = true
			}
		}
		if seen {
			out[ch] = yes
		}
	}
	return out
}

// Effective is the consent map the outbox's Suppress rule reads for one
// purpose: for a channel with any ledger event the ledger decides
// (a purpose with no event of its own is "not set"); otherwise the legacy
// map does, as before the ledger existed.
func Effective(purpose string, st State, legacy map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, ch := range Channels {
		ledger := false
		for _, p := range Purposes {
			if _, ok := st[Key{p, ch}]; ok {
				ledger = true
			}
		}
		if !ledger {
			if v, ok := legacy[ch]; ok {
				out[ch] = v
			}
			continue
		}
		if a, ok := st[Key{purpose, ch}]; ok {
			out[ch] = a == Grant
		}
	}
	return out
}

// Granted reports whether purpose on channel is allowed by the effective
// map: service unless withdrawn, the others only with an explicit yes.
func Granted(purpose, channel string, eff map[string]bool) bool {
	v, set := eff[channel]
	if purpose == PurposeService {
		return !set || v
	}
	return v
}

type sourceKey struct{}

// WithSource marks ctx with the source of a customer write (the API's
// PATCH sets SourceAPI), so the ledger rows it appends name it.
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// SourceFrom is the source ctx carries, or def.
func SourceFrom(ctx context.Context, def string) string {
	if s, ok := ctx.Value(sourceKey{}).(string); ok && s != "" {
		return s
	}
	return def
}

// DiffChanges turns the customer field diff's consent.<channel> entries
// ("true"/"false") into ledger changes for every LegacyPurpose.
func DiffChanges(fields []struct{ Field, From, To string }) []Change {
	var out []Change
	for _, f := range fields {
		ch, ok := strings.CutPrefix(f.Field, "consent.")
		if !ok || f.From == f.To || !slices.Contains(Channels, ch) {
			continue
		}
		action := Withdraw
		if f.To == "true" {
			action = Grant
		}
		for _, p := range LegacyPurposes {
			out = append(out, Change{Purpose: p, Channel: ch, Action: action})
		}
	}
	return out
}
