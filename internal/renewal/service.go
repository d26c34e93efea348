package renewal

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// DueQuery selects due periods for the renewal list: periods due From..To
// (YYYY-MM-DD, inclusive); Overdue adds pending periods due before From.
// Cursor is the NextCursor of the page before ("" for the first).
type DueQuery struct {
	From, To string
	Overdue  bool
	Kind     string
	OwnerID  guanxi.ID
	Status   string // "", pending, renewed, lapsed
	Limit    int
	Cursor   string
}

// DuePage is one page of due periods; NextCursor is "" on the last page.
type DuePage struct {
	Items      []DueItem
	NextCursor string
}

// MaxLimit caps a page of due periods; DefaultLimit is the page without a
// limit.
const (
	MaxLimit     = 200
	DefaultLimit = 50
)

// DueItem is one due period: the holding and, once decided, its record.
type DueItem struct {
	Holding
	// PeriodDue is the due date of the period (the record's, or the
	// holding's current due date while pending).
	PeriodDue     string     `db:"period_due"`
	RecordID      *guanxi.ID `db:"record_id"`
	Outcome       string     `db:"outcome"` // "" while pending
	FeeMinor      int64      `db:"fee_minor"`
	NewDueOn      string     `db:"new_due_on"`
	ReasonCode    string     `db:"reason_code"`
	Note          string     `db:"note"`
	RecordVersion int64      `db:"record_version"`
}

// Status is pending, renewed or lapsed.
func (d DueItem) Status() string {
	if d.Outcome == "" {
		return Pending
	}
	return d.Outcome
}

// Store is what the service needs from storage. Every method applies the
// customer scope of the actor: a holding or record of a customer out of
// scope is NotFound.
type Store interface {
	// ListRenewalDue is one keyset page of the due periods in due-date
	// then holding order; a cursor it cannot read is Invalid on field cursor.
	ListRenewalDue(ctx context.Context, a guanxi.Actor, q DueQuery) (DuePage, error)
	GetRenewalHolding(ctx context.Context, a guanxi.Actor, holdingID guanxi.ID) (Holding, error)
	GetRenewal(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Record, error)
	// RecordRenewal decides the holding's current period: it inserts r
	// (Conflict renewal.already_decided when the period has a record) and
	// moves the holding at holdingVersion (Stale when it changed): a
	// renewal sets due_on to r.NewDueOn and status renewed, a lapse sets
	// status lapsed. The audit rows go in the same transaction.
	RecordRenewal(ctx context.Context, a guanxi.Actor, r *Record, holdingVersion int64) error
	// CorrectRenewal rewrites a record at version and moves the holding's
	// due date to match (Conflict renewal.later_period when the holding
	// has moved on since).
	CorrectRenewal(ctx context.Context, a guanxi.Actor, r *Record, version int64) error
	RenewalFigures(ctx context.Context, a guanxi.Actor, q ReportQuery, from, to string) ([]MonthCount, []ReasonCount, error)
	ListRenewalReasons(ctx context.Context) ([]Reason, error)
	// SaveRenewalReason inserts (version 0) or updates a reason at version.
	SaveRenewalReason(ctx context.Context, a guanxi.Actor, r *Reason, version int64) error
}

// Service records renewal outcomes and reports on them.
type Service struct {
	Store Store
	Now   func() time.Time
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) today() string {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().In(shanghai).Format(time.DateOnly)
}

// shanghai is the business day's zone; a fixed offset needs no tzdata.
var shanghai = time.FixedZone("CST", 8*3600)

// Due lists one page of due periods in the actor's scope. Without dates
// the window is the current month with the overdue periods before it.
func (s *Service) Due(ctx context.Context, a guanxi.Actor, q DueQuery) (DuePage, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return DuePage{}, err
	}
	var f guanxi.Fields
	if q.From == "" && q.To == "" {
		t, _ := time.Parse(time.DateOnly, s.today())
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		q.From, q.To = first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly)
	}
	if q.From == "" {
		q.From = "0000-01-01"
	} else if !validDate(q.From) {
		f.Add("from", "validation.date")
	}
	if q.To == "" {
		q.To = "9999-12-31"
	} else if !validDate(q.To) {
		f.Add("to", "validation.date")
	}
	if q.Kind != "" && !slices.Contains(HoldingKinds, q.Kind) {
		f.Add("kind", "validation.enum")
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		f.Add("status", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return DuePage{}, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	return s.Store.ListRenewalDue(ctx, a, q)
}

// Holding returns a holding in scope with what a renewal form needs.
func (s *Service) Holding(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Holding, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Holding{}, err
	}
	return s.Store.GetRenewalHolding(ctx, a, id)
}

// Get returns a record in scope.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Record, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Record{}, err
	}
	return s.Store.GetRenewal(ctx, a, id)
}

func (s *Service) activeCodes(ctx context.Context) ([]string, error) {
	rs, err := s.Store.ListRenewalReasons(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rs {
		if r.Active {
			out = append(out, r.Code)
		}
	}
	return out, nil
}

// Record decides the current due period of a holding. r.DueOn, when set,
// must be that period (a form opened before someone else decided it gets a
// conflict instead of deciding the next one); holdingVersion 0 skips the
// caller's version check (the store still checks the one it read).
func (s *Service) Record(ctx context.Context, a guanxi.Actor, holdingID guanxi.ID, r *Record, holdingVersion int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	h, err := s.Store.GetRenewalHolding(ctx, a, holdingID)
	if err != nil {
		return err
	}
	if h.DueOn == "" {
		return guanxi.Invalid(guanxi.Field("due_on", "renewal.no_due"))
	}
	if r.DueOn != "" && r.DueOn != h.DueOn {
		return guanxi.Conflict("renewal.not_current_period", map[string]any{"due": h.DueOn})
	}
	if holdingVersion != 0 && holdingVersion != h.Version {
		return guanxi.Stale(h.Version)
	}
	r.ID, r.HoldingID, r.DueOn, r.CustomerID = 0, h.ID, h.DueOn, h.CustomerID
	if r.Currency == "" {
		r.Currency = h.Currency
	}
	codes, err := s.activeCodes(ctx)
	if err != nil {
		return err
	}
	if err := Validate(r, codes); err != nil {
		return err
	}
	return s.Store.RecordRenewal(ctx, a, r, h.Version)
}

// Correct rewrites a decided period at version: another outcome, fee, new
// due date, reason or note. The holding's due date follows.
func (s *Service) Correct(ctx context.Context, a guanxi.Actor, r *Record, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	cur, err := s.Store.GetRenewal(ctx, a, r.ID)
	if err != nil {
		return err
	}
	if cur.Version != version {
		return guanxi.Stale(cur.Version)
	}
	r.HoldingID, r.DueOn, r.CustomerID = cur.HoldingID, cur.DueOn, cur.CustomerID
	if r.Currency == "" {
		r.Currency = cur.Currency
	}
	codes, err := s.activeCodes(ctx)
	if err != nil {
		return err
	}
	if cur.ReasonCode != "" && !slices.Contains(codes, cur.ReasonCode) {
		codes = append(codes, cur.ReasonCode) // keeping a retired reason is no change
	}
	if err := Validate(r, codes); err != nil {
		return err
	}
	return s.Store.CorrectRenewal(ctx, a, r, version)
}

// Report builds the renewal analysis of the actor's scope.
func (s *Service) Report(ctx context.Context, a guanxi.Actor, q ReportQuery, lang string) (Report, error) {
	if err := need(a, guanxi.PermCareReport); err != nil {
		return Report{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	from, to, err := monthBounds(&q, now().In(shanghai))
	if err != nil {
		return Report{}, err
	}
	counts, reasons, err := s.Store.RenewalFigures(ctx, a, q, from, to)
	if err != nil {
		return Report{}, err
	}
	known, err := s.Store.ListRenewalReasons(ctx)
	if err != nil {
		return Report{}, err
	}
	return BuildReport(q, counts, reasons, known, lang), nil
}

// Reasons lists the reason codes in order; all includes inactive ones.
func (s *Service) Reasons(ctx context.Context, a guanxi.Actor, all bool) ([]Reason, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return nil, err
	}
	rs, err := s.Store.ListRenewalReasons(ctx)
	if err != nil || all {
		return rs, err
	}
	out := rs[:0:0]
	for _, r := range rs {
		if r.Active {
			out = append(out, r)
		}
	}
	return out, nil
}

// SaveReason adds (version 0) or changes a reason code (care.admin).
func (s *Service) SaveReason(ctx context.Context, a guanxi.Actor, r *Reason, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	if version != 0 && !ValidCode(r.Code) {
		return guanxi.NotFound("error.not_found")
	}
	if err := ValidateReason(r, version == 0); err != nil {
		return err
	}
	return s.Store.SaveRenewalReason(ctx, a, r, version)
}
