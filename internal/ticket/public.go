package ticket

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
)

// The public complaint form (公开投诉入口): anyone may file a complaint
// without an account. It is registered as a web_form ticket by a system
// actor, answered with the ticket number and a status link whose token is
// shown once (only its SHA-256 is stored). Bots that fill the hidden field
// or post faster than a person can type get the same-looking answer and
// nothing is stored.

// SettingPublicUnit is the org unit that receives public complaints (0: no
// unit, so only staff who see every ticket find them until routed).
const SettingPublicUnit = "ticket.public_org_unit"

// ContactTimes are the customer's preferred times to be called back.
var ContactTimes = []string{"any", "workday_morning", "workday_afternoon", "evening", "weekend"}

// PublicForm is what the customer types.
type PublicForm struct {
	Name  string
	Phone string
	// Hint is the last 4 of the ID card or the customer number: it only
	// confirms a phone match, never makes one.
	Hint        string
	CategoryID  guanxi.ID
	Description string
	Demand      string // 诉求
	ContactTime string
	Consent     bool // to processing the personal data given (PIPL)
}

// PublicRecord is what the form adds beyond the ticket's own columns.
type PublicRecord struct {
	TokenHash   string
	ContactTime string
	Hint        string
	ConsentAt   time.Time
	// Note goes on the register event, so staff see the callback time
	// and hint in the ticket's history.
	Note string
}

// PublicStatus is all the status page may show: no names, notes or
// personal data.
type PublicStatus struct {
	Number     string    `db:"number"`
	ReceivedAt time.Time `db:"received_at"`
	Status     Status    `db:"status"`
	Feedback   string    `db:"feedback"`
}

// Step names the customer-facing stage of the status in plain words (the
// message key is "web.public.step.<step>").
func (p PublicStatus) Step() string {
	switch p.Status {
	case StatusRegistered:
		return "received"
	case StatusConfirmed:
		return "accepted"
	case StatusRouted, StatusHandled:
		// Handled but not yet told to the customer is still in progress
		// from where the customer stands.
		return "in_progress"
	case StatusFedBack:
		return "answered"
	case StatusClosed:
		return "closed"
	case StatusMerged:
		return "merged"
	}
	return "received"
}

// Receipt answers a submission: the number and the status link token.
type Receipt struct {
	Number string
	Token  string
}

// PublicStore is what the public desk needs from storage.
type PublicStore interface {
	// CreatePublicTicket numbers and stores t with rec, its register event
	// and audit row in one transaction. It links t to the customer whose
	// mobile is t.ContactPhone when exactly one live customer has it and
	// rec.Hint (when given) agrees; otherwise the customer stays empty.
	// An OrgUnitID that names no unit is dropped.
	CreatePublicTicket(ctx context.Context, a guanxi.Actor, t *Ticket, rec PublicRecord, numberFormat string) error
	// PublicTicket finds the ticket of a status token hash (NotFound).
	PublicTicket(ctx context.Context, tokenHash string) (PublicStatus, error)
	// PublicFormKey returns the stored signing key, storing candidate
	// first when there is none.
	PublicFormKey(ctx context.Context, candidate string) (string, error)
	// LinkTicketCustomer sets the customer of a ticket that has none, at
	// version, both in a's scope, with an event and audit row.
	LinkTicketCustomer(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID, version int64, customerID guanxi.ID) error
	Categories(ctx context.Context) ([]Category, error)
}

// Public is the no-login complaint desk.
type Public struct {
	Tickets *Service // clocks and number format
	Store   PublicStore
	// PerAddr caps submissions per client address, Global all of them;
	// Lookups caps status page views per address. nil: no cap.
	PerAddr, Global, Lookups *ratelimit.Limiter
	// MinFill is the least time a person takes to fill the form; MaxAge
	// how long a rendered form may be posted.
	MinFill, MaxAge time.Duration
	Log             *slog.Logger

	dropped atomic.Int64
	mu      sync.Mutex
	key     []byte
}

// PublicActor is the system actor the form registers complaints as; addr
// (the client's address) goes on the audit row.
func PublicActor(addr string) guanxi.Actor {
	a := guanxi.SystemActor("public_form")
	a.Name, a.Addr = "公开投诉表单", addr
	return a
}

// Dropped counts submissions taken for bots since start.
func (p *Public) Dropped() int64 { return p.dropped.Load() }

func (p *Public) now() time.Time { return p.Tickets.now() }

// Categories lists the top-level complaint categories the form offers.
func (p *Public) Categories(ctx context.Context) ([]Category, error) {
	all, err := p.Store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var top []Category
	for _, c := range all {
		if c.ParentID == nil {
			top = append(top, c)
		}
	}
	return top, nil
}

// Stamp returns the signed time the form is rendered at; the post brings
// it back to show how long the form took to fill.
func (p *Public) Stamp(ctx context.Context) (string, error) {
	key, err := p.signingKey(ctx)
	if err != nil {
		return "", err
	}
	b := binary.BigEndian.AppendUint64(nil, uint64(p.now().UnixMilli()))
	return base64.RawURLEncoding.EncodeToString(append(b, sign(key, b)...)), nil
}

func sign(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)[:16]
}

// stampAge returns how long ago stamp was made; ok is false for anything
// not made by Stamp.
func (p *Public) stampAge(ctx context.Context, stamp string) (time.Duration, bool, error) {
	key, err := p.signingKey(ctx)
	if err != nil {
		return 0, false, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(stamp)
	if err != nil || len(raw) != 24 || !hmac.Equal(raw[8:], sign(key, raw[:8])) {
		return 0, false, nil
	}
	at := time.UnixMilli(int64(binary.BigEndian.Uint64(raw[:8])))
	return p.now().Sub(at), true, nil
}

// signingKey is shared through the database so that every instance
// accepts forms rendered by the others; it is read once per process.
func (p *Public) signingKey(ctx context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.key != nil {
		return p.key, nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	got, err := p.Store.PublicFormKey(ctx, hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(got)
	if err != nil || len(key) < 16 {
		return nil, guanxi.Internal(err)
	}
	p.key = key
	return key, nil
}

// Submission is one post of the form with its anti-bot fields.
type Submission struct {
	Form     PublicForm
	Stamp    string // from Stamp
	Honeypot string // hidden from people: anything in it means a bot
	Addr     string // the client's address (trusted proxy logic applied)
}

// Submit registers the complaint of one post. A bot gets a made-up
// receipt and nothing is stored; over the limits it is TooMany with the
// seconds to wait in Args["seconds"]; a form posted too late must be
// posted again (Invalid "public.form_expired").
func (p *Public) Submit(ctx context.Context, in Submission) (Receipt, error) {
	age, signed, err := p.stampAge(ctx, in.Stamp)
	if err != nil {
		return Receipt{}, err
	}
	if in.Honeypot != "" || !signed || age < p.MinFill {
		// Counted against the address like a real post, so a bot cannot
		// use the decoy to post without limit.
		if err := p.take(in.Addr); err != nil {
			return Receipt{}, err
		}
		n := p.dropped.Add(1)
		if p.Log != nil {
			p.Log.Info("public complaint dropped", "addr", in.Addr, "honeypot", in.Honeypot != "",
				"signed", signed, "age", age.Round(time.Millisecond), "dropped_total", n)
		}
		return p.decoy(ctx), nil
	}
	if p.MaxAge > 0 && age > p.MaxAge {
		return Receipt{}, guanxi.InvalidKey("public.form_expired", nil)
	}
	f := in.Form
	cats, err := p.Categories(ctx)
	if err != nil {
		return Receipt{}, err
	}
	if err := ValidatePublic(&f, cats); err != nil {
		return Receipt{}, err
	}
	if err := p.take(in.Addr); err != nil {
		return Receipt{}, err
	}
	now := p.now()
	t := &Ticket{Channel: "web_form", Severity: SeverityMedium, Subject: publicSubject(f.Description),
		Description: f.Description, Demand: f.Demand, ContactName: f.Name, ContactPhone: f.Phone}
	if f.CategoryID != 0 {
		cid := f.CategoryID
		t.CategoryID = &cid
	}
	s := p.Tickets
	if s.Settings != nil {
		if u := guanxi.ID(s.Settings.Int(ctx, SettingPublicUnit)); u > 0 {
			// A unit removed since the setting was made must not turn the
			// customer away: the complaint then waits without a unit.
			if _, err := s.Store.TicketUnitPath(ctx, u); err == nil {
				t.OrgUnitID = &u
			} else if p.Log != nil {
				p.Log.Warn("public complaint unit unknown", "setting", SettingPublicUnit, "unit", u)
			}
		}
	}
	t.Normalize()
	if err := Validate(t, now); err != nil {
		return Receipt{}, err
	}
	t.ReceivedAt, t.Status, t.EscalationLevel = now, StatusRegistered, 1
	if err := s.setClocks(ctx, t, now, 0); err != nil {
		return Receipt{}, err
	}
	token, hash := NewStatusToken()
	rec := PublicRecord{TokenHash: hash, ContactTime: f.ContactTime, Hint: f.Hint, ConsentAt: now,
		Note: publicNote(f)}
	if err := p.Store.CreatePublicTicket(ctx, PublicActor(in.Addr), t, rec, s.numberFormat(ctx)); err != nil {
		return Receipt{}, err
	}
	return Receipt{Number: t.Number, Token: token}, nil
}

func (p *Public) take(addr string) error {
	ok, wait := p.PerAddr.Take(addr)
	if ok {
		ok, wait = p.Global.Take("")
	}
	if ok {
		return nil
	}
	return tooMany(wait)
}

func tooMany(wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &guanxi.Error{Kind: guanxi.KindTooMany, Key: "public.too_many",
		Args: map[string]any{"seconds": secs, "minutes": (secs + 59) / 60}}
}

// decoy is a receipt that looks like a real one: a number in the current
// format and a token that finds nothing.
func (p *Public) decoy(ctx context.Context) Receipt {
	n, _ := rand.Int(rand.Reader, big.NewInt(999999))
	token, _ := NewStatusToken()
	year := p.now().In(time.FixedZone("CST", 8*3600)).Year()
	return Receipt{Number: FormatNumber(p.Tickets.numberFormat(ctx), year, n.Int64()+1), Token: token}
}

func (s *Service) numberFormat(ctx context.Context) string {
	if s.Settings != nil {
		if v, err := s.Settings.Get(ctx, SettingNumberFormat); err == nil && ValidNumberFormat(v) {
			return v
		}
	}
	return DefaultNumberFormat
}

// contactTimeZh names the callback times in the register event's note,
// which is stored text (zh-CN, the deployment language) like staff notes.
var contactTimeZh = map[string]string{"any": "任意时间", "workday_morning": "工作日上午",
	"workday_afternoon": "工作日下午", "evening": "晚间", "weekend": "周末"}

func publicNote(f PublicForm) string {
	note := "公开投诉表单；希望联系时间：" + contactTimeZh[f.ContactTime]
	if f.Hint != "" {
		note += "；核对信息：" + f.Hint
	}
	return note
}

// publicSubject is the first line of the description, shortened: the form
// asks for no subject, the staff board needs one.
func publicSubject(desc string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(desc), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > 40 {
		line = string([]rune(line)[:40]) + "…"
	}
	return line
}

// Status finds the complaint of a status link token.
func (p *Public) Status(ctx context.Context, token, addr string) (PublicStatus, error) {
	if ok, wait := p.Lookups.Take(addr); !ok {
		return PublicStatus{}, tooMany(wait)
	}
	if !wellFormedToken(token) {
		return PublicStatus{}, guanxi.NotFound("public.link_unknown")
	}
	st, err := p.Store.PublicTicket(ctx, HashStatusToken(token))
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return st, guanxi.NotFound("public.link_unknown")
	}
	if err != nil {
		return st, err
	}
	if st.Status != StatusFedBack && st.Status != StatusClosed {
		// A reopened complaint's earlier answer is no longer the result.
		st.Feedback = ""
	}
	return st, nil
}

// LinkCustomer sets the customer of a complaint that came without one (a
// public form whose phone matched no single customer), for ticket.write
// holders who see both.
func (p *Public) LinkCustomer(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID, version int64, customerID guanxi.ID) error {
	if err := need(a, guanxi.PermTicketWrite); err != nil {
		return err
	}
	if customerID == 0 {
		return guanxi.Invalid(guanxi.Field("customer_id", "validation.required"))
	}
	return p.Store.LinkTicketCustomer(ctx, a, ticketID, version, customerID)
}

// NewStatusToken returns a status link token (32 random bytes, base64url:
// 43 characters) and its stored hash.
func NewStatusToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashStatusToken(token)
}

// HashStatusToken is the stored form of a token: hex SHA-256.
func HashStatusToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func wellFormedToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

var (
	mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	hintRe   = regexp.MustCompile(`^[0-9A-Za-z-]{4,20}$`)
)

// ValidatePublic normalises and checks the form; categories are the
// top-level ones offered (a choice is required when there are any).
func ValidatePublic(f *PublicForm, categories []Category) error {
	for _, s := range []*string{&f.Name, &f.Hint, &f.Description, &f.Demand, &f.ContactTime} {
		*s = strings.TrimSpace(*s)
	}
	f.Phone = customer.NormalizePhone(f.Phone)
	f.Hint = strings.ToUpper(f.Hint)
	if f.ContactTime == "" {
		f.ContactTime = "any"
	}
	var e guanxi.Fields
	if f.Name == "" {
		e.Add("name", "validation.required")
	}
	tooLong(&e, "name", f.Name, 50)
	if f.Phone == "" {
		e.Add("phone", "validation.required")
	} else if !mobileRe.MatchString(f.Phone) {
		e.Add("phone", "validation.mobile")
	}
	if f.Hint != "" && !hintRe.MatchString(f.Hint) {
		e.Add("hint", "public.hint_format")
	}
	if len(categories) > 0 {
		if !slices.ContainsFunc(categories, func(c Category) bool { return c.ID == f.CategoryID }) {
			e.Add("category_id", "validation.required")
		}
	} else {
		f.CategoryID = 0
	}
	if f.Description == "" {
		e.Add("description", "validation.required")
	}
	tooLong(&e, "description", f.Description, 2000)
	tooLong(&e, "demand", f.Demand, 1000)
	if !slices.Contains(ContactTimes, f.ContactTime) {
		e.Add("contact_time", "validation.enum")
	}
	if !f.Consent {
		e.Add("consent", "public.consent_required")
	}
	return e.Err()
}
