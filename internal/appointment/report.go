package appointment

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Fact is one appointment as the success report reads it: the team (org
// unit of the customer's owner), the start, the status and whether a
// reminder reached status sent.
type Fact struct {
	UnitID   guanxi.ID `db:"unit_id"`
	UnitName string    `db:"unit_name"`
	StartsAt time.Time `db:"starts_at"`
	Status   string    `db:"status"`
	Reminded bool      `db:"reminded"`
}

// Line is the counts of one team and period.
//
//   - Booked: every appointment made for the period (by start time).
//   - Cancelled: withdrawn in advance; not counted against the customer.
//   - Upcoming: still open with the start in the future; not yet decided.
//   - Due = Booked − Cancelled − Upcoming = Arrived + NoShow + PastOpen.
//   - Success rate = Arrived ÷ Due (APT-05; T31: 330 of 400 = 82.5%).
//   - Reminded: appointments with a reminder that reached status sent;
//     ReminderRate = Reminded ÷ (Booked − Cancelled); RemindedArrivalRate =
//     arrivals among the reminded ÷ Reminded.
type Line struct {
	UnitID           guanxi.ID
	Team             string
	Period           string
	Booked           int
	Cancelled        int
	Upcoming         int
	Arrived          int
	NoShow           int
	PastOpen         int
	Reminded         int
	RemindedArrivals int
}

// Due is the denominator of the success rate.
func (l Line) Due() int { return l.Arrived + l.NoShow + l.PastOpen }

// Rate is the success rate 0..1 (0 when nothing was due).
func (l Line) Rate() float64 { return ratio(l.Arrived, l.Due()) }

// ReminderRate is Reminded ÷ (Booked − Cancelled).
func (l Line) ReminderRate() float64 { return ratio(l.Reminded, l.Booked-l.Cancelled) }

// RemindedArrivalRate is the arrivals among reminded appointments ÷ Reminded.
func (l Line) RemindedArrivalRate() float64 { return ratio(l.RemindedArrivals, l.Reminded) }

// Percent formats a 0..1 rate as "82.5".
func Percent(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) }

func ratio(n, d int) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (l *Line) add(f Fact, now time.Time) {
	l.Booked++
	switch f.Status {
	case StatusCancelled:
		l.Cancelled++
		return
	case StatusArrived:
		l.Arrived++
	case StatusNoShow:
		l.NoShow++
	default:
		if f.StartsAt.After(now) {
			l.Upcoming++
		} else {
			l.PastOpen++
		}
	}
	if f.Reminded {
		l.Reminded++
		if f.Status == StatusArrived {
			l.RemindedArrivals++
		}
	}
}

// Periods of the report.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
)

// PeriodOf labels t's period in loc: 2026-11, 2026-Q4, 2026.
func PeriodOf(t time.Time, loc *time.Location, period string) string {
	t = t.In(loc)
	switch period {
	case PeriodYear:
		return strconv.Itoa(t.Year())
	case PeriodQuarter:
		return strconv.Itoa(t.Year()) + "-Q" + strconv.Itoa((int(t.Month())-1)/3+1)
	}
	return t.Format("2006-01")
}

// Summarize groups facts per team and period, sorted by period then team,
// with the total over all.
func Summarize(facts []Fact, loc *time.Location, period string, now time.Time) (lines []Line, total Line) {
	idx := map[string]int{}
	for _, f := range facts {
		p := PeriodOf(f.StartsAt, loc, period)
		key := p + "\x00" + strconv.FormatInt(f.UnitID, 10)
		i, ok := idx[key]
		if !ok {
			i = len(lines)
			idx[key] = i
			lines = append(lines, Line{UnitID: f.UnitID, Team: f.UnitName, Period: p})
		}
		lines[i].add(f, now)
		total.add(f, now)
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].Period != lines[j].Period {
			return lines[i].Period < lines[j].Period
		}
		return lines[i].Team < lines[j].Team
	})
	return lines, total
}

// Report is the appointment success report (APT-05).
type Report struct {
	From, To, Period string
	Lines            []Line
	Total            Line
	Target, Baseline float64
}

// ReportQuery selects the report: local dates (inclusive) and the period.
type ReportQuery struct {
	From, To string
	Period   string
}

// Baseline is the seed's success rate today (APT-05).
const Baseline = 0.5

// TargetRate is the success-rate target 0..1 (setting, default 80%).
func (s *Service) TargetRate(ctx context.Context) float64 {
	if s.Target != nil {
		if n := s.Target(ctx); n > 0 && n <= 100 {
			return float64(n) / 100
		}
	}
	return 0.8
}

func (s *Service) dates(from, to string) (string, string, time.Time, time.Time, error) {
	today := s.Today()
	if from == "" {
		from = today[:4] + "-01-01"
	}
	if to == "" {
		to = today[:4] + "-12-31"
	}
	var f guanxi.Fields
	fd, err := time.ParseInLocation(time.DateOnly, from, s.loc())
	if err != nil {
		f.Add("from", "validation.date")
	}
	td, err := time.ParseInLocation(time.DateOnly, to, s.loc())
	if err != nil {
		f.Add("to", "validation.date")
	}
	if err := f.Err(); err != nil {
		return from, to, fd, td, err
	}
	if td.Before(fd) {
		return from, to, fd, td, guanxi.Invalid(guanxi.Field("to", "validation.date_order"))
	}
	return from, to, fd.UTC(), td.AddDate(0, 0, 1).UTC(), nil
}

// Report computes the success report over the actor's customer scope.
func (s *Service) Report(ctx context.Context, a guanxi.Actor, q ReportQuery) (Report, error) {
	if err := need(a, guanxi.PermCareReport); err != nil {
		return Report{}, err
	}
	if q.Period != PeriodQuarter && q.Period != PeriodYear {
		q.Period = PeriodMonth
	}
	from, to, fa, ta, err := s.dates(q.From, q.To)
	if err != nil {
		return Report{}, err
	}
	facts, err := s.Store.AppointmentFacts(ctx, a, fa, ta)
	if err != nil {
		return Report{}, err
	}
	r := Report{From: from, To: to, Period: q.Period, Target: s.TargetRate(ctx), Baseline: Baseline}
	r.Lines, r.Total = Summarize(facts, s.loc(), q.Period, s.now())
	return r, nil
}

// CustomerRate is one customer's appointments in a year (APT-03).
type CustomerRate struct {
	CustomerID   guanxi.ID `db:"customer_id"`
	CustomerName string    `db:"customer_name"`
	OwnerName    string    `db:"owner_name"`
	Arrived      int       `db:"arrived"`
	Due          int       `db:"due"`
}

// Rate is arrived ÷ due.
func (c CustomerRate) Rate() float64 { return ratio(c.Arrived, c.Due) }

// Reliable lists the customers whose success rate in year is at least
// minRate (0..1) over at least minCount due appointments, best first: the
// candidates for the yearly reward (APT-03).
func (s *Service) Reliable(ctx context.Context, a guanxi.Actor, year, minCount int, minRate float64) ([]CustomerRate, error) {
	if err := need(a, guanxi.PermCareReport); err != nil {
		return nil, err
	}
	if year < 2000 || year > 9999 {
		return nil, guanxi.Invalid(guanxi.Field("year", "validation.number"))
	}
	if minCount < 1 {
		minCount = 1
	}
	if minRate <= 0 || minRate > 1 {
		minRate = 0.8
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, s.loc()).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, s.loc()).UTC()
	all, err := s.Store.AppointmentCustomerFacts(ctx, a, from, to, s.now())
	if err != nil {
		return nil, err
	}
	out := []CustomerRate{}
	for _, c := range all {
		if c.Due >= minCount && c.Rate() >= minRate-1e-9 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rate() != out[j].Rate() {
			return out[i].Rate() > out[j].Rate()
		}
		if out[i].Due != out[j].Due {
			return out[i].Due > out[j].Due
		}
		return out[i].CustomerID < out[j].CustomerID
	})
	return out, nil
}

// SettingTarget is the settings key of the success-rate target in percent
// (default 80 when the key is not defined or 0).
const SettingTarget = "appointment.target_percent"
