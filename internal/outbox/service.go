package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// Service sends queued messages and manages templates and channels.
type Service struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger
	// Owner names this instance in claims (default host:pid:random).
	Owner string
	// Lease is how long a claim lasts before another instance may retry
	// the message (default 2 minutes, longer than any adapter timeout).
	Lease time.Duration
	// HTTPClient reaches the SMS provider. Leave it nil outside tests: the
	// default client connects only through the egress filter (egress.go),
	// a client set here is used as is.
	HTTPClient *http.Client
	// Settings holds the private-network allow-list of the egress filter
	// (nil: read through Store when it keeps settings, as *sqlstore.Store
	// does; otherwise no private network is allowed).
	Settings *settings.Service
	// Senders overrides the adapters per channel (tests).
	Senders map[string]Sender
	// Jitter returns a number in [0,1) for backoff (default crypto/rand).
	Jitter func() float64

	secrets   sync.Map // name → []byte; secrets never change once created
	ownerOnce sync.Once

	egress       Egress
	egressOnce   sync.Once
	egressClient *http.Client
}

// secret returns a stored secret, read once per process.
func (s *Service) secret(ctx context.Context, name string) ([]byte, error) {
	if v, ok := s.secrets.Load(name); ok {
		return v.([]byte), nil
	}
	b, err := s.Store.OutboxSecret(ctx, name)
	if err == nil {
		s.secrets.Store(name, b)
	}
	return b, err
}

// ListQuery filters the outbox list. Before is the cursor: ids below it.
type ListQuery struct {
	Status     string
	Channel    string
	CustomerID guanxi.ID
	From, To   string // YYYY-MM-DD on created_at (UTC)
	Before     guanxi.ID
	Limit      int
}

// Target is whom a message goes to, read at send time.
type Target struct {
	Found        bool
	Deleted      bool
	Address      string
	Name         string
	Consent      map[string]bool
	CustomerName string
}

// Result is the end of one attempt.
type Result struct {
	Status     string // sent, failed, dead, suppressed, or queued (rate-limited: released)
	Error      string
	ProviderID string
	Subject    string
	Body       string
	Next       time.Time
	Attempted  bool // false when released without trying (rate limit)
}

// Store is what the service needs from storage.
type Store interface {
	// Dispatcher. Every write after the claim is guarded by owner, so an
	// instance whose lease ran out changes nothing.
	ClaimMessage(ctx context.Context, owner string, now, until time.Time) (Stored, bool, error)
	MessageTarget(ctx context.Context, m Stored) (Target, error)
	TakeRate(ctx context.Context, channel string, window time.Time, limit int) (bool, error)
	FinishMessage(ctx context.Context, id guanxi.ID, owner string, r Result) (bool, error)
	// DeliverInApp writes the staff notification and marks the message
	// sent in one transaction.
	DeliverInApp(ctx context.Context, m Stored, owner string, r Result) (bool, error)

	Templates(ctx context.Context) ([]Template, error)
	SaveTemplate(ctx context.Context, a guanxi.Actor, t *Template, version int64) error
	ChannelConfig(ctx context.Context) (Config, int64, error)
	SaveChannelConfig(ctx context.Context, a guanxi.Actor, c Config, version int64) error
	// OutboxSecret returns the named secret, generating it at first use.
	OutboxSecret(ctx context.Context, name string) ([]byte, error)

	ListMessages(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Stored, error)
	CountMessages(ctx context.Context, a guanxi.Actor, q ListQuery) (map[string]int, error)
	GetMessage(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Stored, error)
	MessageAttempts(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Attempt, error)
	SetMessageStatus(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, from []string, to string) error
	QueueMessage(ctx context.Context, a guanxi.Actor, m Message) (guanxi.ID, bool, error)
	// AuditOutboxExport records an export of the outbox list.
	AuditOutboxExport(ctx context.Context, a guanxi.Actor, rows int, q ListQuery) error

	// Unsubscribe sets consent[channel] = false for one customer (with a
	// version bump and an audit row); false when it already was.
	Unsubscribe(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, channel, source string) (bool, error)
	// UnsubscribeMobile does the same for every live customer with mobile.
	UnsubscribeMobile(ctx context.Context, a guanxi.Actor, mobile, source string) (int, error)
	UnsubscribeName(ctx context.Context, customerID guanxi.ID) (string, error)
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) owner() string {
	s.ownerOnce.Do(func() {
		if s.Owner == "" {
			h, _ := os.Hostname()
			b := make([]byte, 4)
			rand.Read(b)
			s.Owner = h + ":" + hex.EncodeToString(b)
		}
	})
	return s.Owner
}

func (s *Service) jitter() float64 {
	if s.Jitter != nil {
		return s.Jitter()
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<30))
	return float64(n.Int64()) / float64(1<<30)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// List returns one page of the outbox the actor may read, newest first,
// and the counts per status under the same filters.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Stored, map[string]int, error) {
	if err := need(a, guanxi.PermMessageRead); err != nil {
		return nil, nil, err
	}
	var f guanxi.Fields
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		f.Add("status", "validation.enum")
	}
	if q.Channel != "" && !slices.Contains(Channels, q.Channel) {
		f.Add("channel", "validation.enum")
	}
	for name, d := range map[string]string{"from": q.From, "to": q.To} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			f.Add(name, "validation.date")
		}
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	list, err := s.Store.ListMessages(ctx, a, q)
	if err != nil {
		return nil, nil, err
	}
	counts, err := s.Store.CountMessages(ctx, a, q)
	return list, counts, err
}

// ExportLimit bounds an export of the outbox list.
const ExportLimit = 10000

// Export returns up to ExportLimit messages under q, newest first, and
// records the export in the audit log.
func (s *Service) Export(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Stored, error) {
	var out []Stored
	q.Limit, q.Before = 200, 0
	for len(out) < ExportLimit {
		page, _, err := s.List(ctx, a, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			break
		}
		q.Before = page[len(page)-1].ID
	}
	if len(out) > ExportLimit {
		out = out[:ExportLimit]
	}
	return out, s.Store.AuditOutboxExport(ctx, a, len(out), q)
}

// Get returns one message and its attempts.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Stored, []Attempt, error) {
	if err := need(a, guanxi.PermMessageRead); err != nil {
		return Stored{}, nil, err
	}
	m, err := s.Store.GetMessage(ctx, a, id)
	if err != nil {
		return m, nil, err
	}
	at, err := s.Store.MessageAttempts(ctx, a, id)
	return m, at, err
}

// Cancel withdraws a queued or failed message.
func (s *Service) Cancel(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	return s.Store.SetMessageStatus(ctx, a, id, version, []string{StatusQueued, StatusFailed}, StatusCancelled)
}

// Retry queues a dead (or failed) message again, with its same key.
func (s *Service) Retry(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	return s.Store.SetMessageStatus(ctx, a, id, version, []string{StatusDead, StatusFailed}, StatusQueued)
}

// Send queues a message by hand for one customer (or staff user, in-app).
// The customer must be in the actor's scope; the queue is audited.
func (s *Service) Send(ctx context.Context, a guanxi.Actor, m Message) (guanxi.ID, bool, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return 0, false, err
	}
	var f guanxi.Fields
	if !slices.Contains(Channels, m.Channel) {
		f.Add("channel", "validation.enum")
	}
	if m.Purpose == "" {
		m.Purpose = PurposeService
	}
	if !slices.Contains(Purposes, m.Purpose) {
		f.Add("purpose", "validation.enum")
	}
	if m.Locale == "" {
		m.Locale = "zh-CN"
	}
	if !slices.Contains(Locales, m.Locale) {
		f.Add("locale", "validation.enum")
	}
	if m.Channel == ChannelInApp && m.UserID == nil {
		f.Add("user_id", "validation.required")
	}
	if m.Channel != ChannelInApp && m.CustomerID == nil {
		f.Add("customer_id", "validation.required")
	}
	if m.Template == "" {
		m.Template = "message.manual"
	}
	if err := f.Err(); err != nil {
		return 0, false, err
	}
	if m.IdemKey == "" {
		b := make([]byte, 12)
		rand.Read(b)
		m.IdemKey = "manual:" + hex.EncodeToString(b)
	} else if !strings.HasPrefix(m.IdemKey, "manual:") {
		m.IdemKey = "manual:" + m.IdemKey
	}
	m.To = "" // the address always comes from the customer at send time
	return s.Store.QueueMessage(ctx, a, m)
}
