package care

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// Query is one keyset page a run asks the store for.
type Query struct {
	Today  string
	Target string // today + lead days: the event day looked for
	// MonthDays ("MM-DD") of birthdays and anniversaries celebrated on Target.
	MonthDays []string
	// Lunar selects the customers who celebrate by the lunar calendar.
	Lunar bool
	// Occurrence excludes customers with this occurrence of the rule
	// (birthday, festival: known before reading).
	Occurrence   string
	HoldingKinds []string
	// DueFrom..DueTo bounds holdings' due_on (expiry, loan due).
	DueFrom, DueTo string
	// Year: anniversaries of holdings opened before this year.
	Year string
	// Before: dormancy, last activity before this instant.
	Before   time.Time
	Activity string
	After    int64 // keyset: Candidate.Key of the last row read
	Limit    int
}

// Candidate is a customer (with a holding for holding kinds) a rule may be
// due for.
type Candidate struct {
	Key          int64     `db:"k"`
	CustomerID   guanxi.ID `db:"customer_id"`
	CustomerName string    `db:"customer_name"`
	OwnerID      guanxi.ID `db:"owner_id"`
	Consent      string    `db:"consent"` // the customer's consent JSON
	Birthday     string    `db:"birthday"`
	HoldingID    guanxi.ID `db:"holding_id"`
	Model        string    `db:"model"`
	OpenedOn     string    `db:"opened_on"`
	DueOn        string    `db:"due_on"`
	BalanceMinor int64     `db:"balance_minor"`
	Attrs        string    `db:"attrs"`
	// LastAt: service_due the last service, dormancy the last activity
	// (the customer's creation when none).
	LastAt *time.Time `db:"-"`
}

// HasConsent reports whether the customer agreed to channel.
func (c Candidate) HasConsent(channel string) bool {
	var m map[string]bool
	if json.Unmarshal([]byte(c.Consent), &m) != nil {
		return false
	}
	return m[channel]
}

// Fire is one occurrence to record, with the task and message it makes.
type Fire struct {
	CustomerID guanxi.ID
	OwnerID    guanxi.ID
	Occurrence string
	EventOn    string
	Status     string // fired or suppressed; the store may cap it
	Reason     string
	Task       *task.Task
	Template   string
	Vars       map[string]string
	SendAfter  time.Time
}

// Result counts a run.
type Result struct {
	Rules      int `json:"rules"`
	Fired      int `json:"fired"`
	Suppressed int `json:"suppressed"`
	Capped     int `json:"capped"`
	Tasks      int `json:"tasks"`
	Messages   int `json:"messages"`
}

func (r *Result) add(o Result) {
	r.Fired += o.Fired
	r.Suppressed += o.Suppressed
	r.Capped += o.Capped
	r.Tasks += o.Tasks
	r.Messages += o.Messages
}

// BatchSize is the page of a run: one read and one transaction each.
const BatchSize = 1000

// Run runs every enabled rule at now. It is safe to repeat and to run on
// several servers at once: the store records each (rule, customer,
// occurrence) once and makes its task and message only then.
func (s *Service) Run(ctx context.Context) (Result, error) {
	rules, err := s.Store.ListCareRules(ctx)
	if err != nil {
		return Result{}, err
	}
	var total Result
	var errs []error
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		// One failing rule (a filter on a field since removed) does not
		// hold up the others; the job retries the whole run, which
		// repeats nothing.
		res, err := s.runRule(ctx, r)
		total.add(res)
		if err != nil {
			errs = append(errs, fmt.Errorf("care rule %d: %w", r.ID, err))
			continue
		}
		total.Rules++
	}
	return total, errors.Join(errs...)
}

// RunNow runs one rule at once for a care admin ("Run now"), audited.
func (s *Service) RunNow(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Result, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return Result{}, err
	}
	r, err := s.Store.GetCareRule(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if !r.Enabled {
		return Result{}, guanxi.Conflict("error.care_rule_disabled", nil)
	}
	res, err := s.runRule(ctx, r)
	if err != nil {
		return res, err
	}
	res.Rules = 1
	return res, s.Store.AuditCareRun(ctx, a, id, res)
}

func (s *Service) runRule(ctx context.Context, r Rule) (Result, error) {
	now := s.now()
	today := now.In(s.loc()).Format(time.DateOnly)
	var total Result
	for _, q := range s.queries(r, today) {
		// The keyset moves forward each page, so this ends; the bound
		// guards against a store that misbehaves.
		for range 100000 {
			page, err := s.Store.CareCandidates(ctx, r, q)
			if err != nil {
				return total, err
			}
			var fs []Fire
			for _, c := range page {
				if f, ok := s.decide(r, c, q, now); ok {
					fs = append(fs, f)
				}
			}
			if len(fs) > 0 {
				res, err := s.Store.FireCare(ctx, r, fs)
				if err != nil {
					return total, err
				}
				total.add(res)
			}
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].Key
		}
	}
	return total, s.Store.MarkCareRun(ctx, r.ID, now.UTC())
}

// queries are the reads a rule needs on today: one per festival or
// birthday calendar, one otherwise.
func (s *Service) queries(r Rule, today string) []Query {
	target := AddDays(today, r.LeadDays)
	base := Query{Today: today, Target: target, Limit: BatchSize}
	switch r.Kind {
	case KindBirthday:
		solar, lunarQ := base, base
		solar.MonthDays, solar.Occurrence = MonthDays(target), target[:4]
		lunarQ.Lunar = true
		return []Query{solar, lunarQ}
	case KindFestival:
		var out []Query
		for _, k := range FestivalOn(r.Params.Festivals, target) {
			q := base
			q.Occurrence = k + "-" + target[:4]
			out = append(out, q)
		}
		return out
	case KindAnniversary:
		base.MonthDays, base.HoldingKinds, base.Year = MonthDays(target), r.Params.HoldingKinds, target[:4]
	case KindExpiry, KindLoanDue:
		max := 0
		for _, o := range r.Params.Offsets {
			max = maxInt(max, o)
		}
		base.HoldingKinds = r.Params.HoldingKinds
		if r.Kind == KindLoanDue {
			base.HoldingKinds = []string{"loan"}
		}
		base.DueFrom, base.DueTo = today, AddDays(today, max)
	case KindServiceDue:
		base.HoldingKinds = []string{"vehicle"}
	case KindDormancy:
		base.Before = DormantBefore(today, r.Params.DormantMonths, s.loc())
		base.Activity = r.Params.Activity
	}
	return []Query{base}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// decide turns a candidate into the occurrence it is due, if any.
func (s *Service) decide(r Rule, c Candidate, q Query, now time.Time) (Fire, bool) {
	f := Fire{CustomerID: c.CustomerID, OwnerID: c.OwnerID, EventOn: q.Target,
		Vars: map[string]string{"customer_name": c.CustomerName}}
	h := "h" + strconv.FormatInt(int64(c.HoldingID), 10) + "-"
	switch r.Kind {
	case KindBirthday:
		if q.Lunar {
			occ, ok := LunarBirthday(c.Birthday, q.Target)
			if !ok {
				return f, false
			}
			f.Occurrence = occ
		} else {
			f.Occurrence = q.Occurrence
		}
	case KindFestival:
		f.Occurrence = q.Occurrence
		f.Vars["festival"] = strings.TrimSuffix(q.Occurrence, "-"+q.Target[:4])
	case KindAnniversary:
		years, ok := CelebratedOn(c.OpenedOn, q.Target)
		if !ok {
			return f, false
		}
		f.Occurrence = h + q.Target[:4]
		f.Vars["years"], f.Vars["model"] = strconv.Itoa(years), c.Model
	case KindExpiry, KindLoanDue:
		o, ok := ExpiryOffset(c.DueOn, q.Today, r.Params.Offsets)
		if !ok {
			return f, false
		}
		f.Occurrence = h + c.DueOn + "-" + strconv.Itoa(o) + "d"
		f.EventOn = c.DueOn
		f.Vars["due_on"] = c.DueOn
		if r.Kind == KindLoanDue {
			f.Vars["amount"] = money(c.BalanceMinor)
		}
	case KindServiceDue:
		base := c.OpenedOn
		if c.LastAt != nil {
			base = c.LastAt.In(s.loc()).Format(time.DateOnly)
		}
		due := ServiceDueOn(base, r.Params.Months, r.Params.KM, KMPerMonth(c.Attrs, c.OpenedOn, q.Today, r.Params.KMPerMonth))
		if due == "" || due > q.Target {
			return f, false
		}
		f.Occurrence = h + base
		f.EventOn = due
		f.Vars["due_on"], f.Vars["model"] = due, c.Model
	case KindDormancy:
		if c.LastAt == nil {
			return f, false
		}
		since, ok := DormantSince(*c.LastAt, s.loc(), r.Params.DormantMonths, q.Today)
		if !ok {
			return f, false
		}
		f.Occurrence = "dormant-since-" + since
		f.EventOn = AddMonths(since, r.Params.DormantMonths)
		f.Vars["since"] = since
	default:
		return f, false
	}
	f.Status = EventFired
	if r.Channel != ChannelNone {
		if !c.HasConsent(r.Channel) {
			f.Status, f.Reason = EventSuppressed, "no_consent"
		}
		f.Template = r.Template
		f.SendAfter = QuietSendAfter(now, s.loc(), r.QuietStart, r.QuietEnd)
	}
	if r.CreateTask {
		kind := task.KindCare
		if r.Kind == KindDormancy {
			kind = task.KindChurn
		}
		f.Task = &task.Task{Kind: kind, Title: taskTitle(r, c, f), CustomerID: c.CustomerID, OwnerID: c.OwnerID,
			DueOn: q.Today, Status: task.StatusOpen}
	}
	return f, true
}

// taskTitle fills the rule's title ({customer}, {date}) or names the rule.
func taskTitle(r Rule, c Candidate, f Fire) string {
	t := r.TaskTitle
	if t == "" {
		t = r.Name + "：{customer}（{date}）"
	}
	t = strings.NewReplacer("{customer}", c.CustomerName, "{date}", f.EventOn).Replace(t)
	if utf8.RuneCountInString(t) > 200 {
		t = string([]rune(t)[:200])
	}
	return t
}

// money formats minor units as yuan.
func money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}
