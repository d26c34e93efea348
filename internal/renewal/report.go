package renewal

import (
	"slices"
	"sort"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// ReportQuery selects the renewal report: due months From..To (YYYY-MM,
// inclusive), optionally one holding kind and one owner.
type ReportQuery struct {
	From, To string
	Kind     string
	OwnerID  guanxi.ID
}

// MaxReportMonths bounds a report (the page and the export are built while
// the user waits).
const MaxReportMonths = 60

// MonthCount is a store row: decided periods of a month by outcome, or the
// pending ones (Outcome Pending).
type MonthCount struct {
	Month    string `db:"month"`
	Outcome  string `db:"outcome"`
	N        int64  `db:"n"`
	FeeMinor int64  `db:"fee_minor"`
}

// ReasonCount is a store row: lapsed periods of the report by reason.
type ReasonCount struct {
	Code string `db:"reason_code"`
	N    int64  `db:"n"`
}

// MonthRow is one month of the report (SUB-01): periods due in the month,
// how many were renewed, lapsed or are still pending, and the fees.
type MonthRow struct {
	Month                         string
	Due, Renewed, Lapsed, Pending int64
	FeeMinor                      int64
}

// Rate is renewed ÷ due in percent; ok is false without any due.
func (m MonthRow) Rate() (float64, bool) {
	if m.Due == 0 {
		return 0, false
	}
	return float64(m.Renewed) * 100 / float64(m.Due), true
}

// ReasonShare is one reason of the non-renewal analysis (SUB-02).
// Tenths is its share in tenths of a percent; the shares of a report add
// up to exactly 1000 (largest-remainder rounding).
type ReasonShare struct {
	Code   string
	Name   string
	N      int64
	Tenths int64
}

// Percent is the share as a percentage with one decimal.
func (r ReasonShare) Percent() float64 { return float64(r.Tenths) / 10 }

// Report is the renewal analysis.
type Report struct {
	Query   ReportQuery
	Months  []MonthRow
	Total   MonthRow
	Reasons []ReasonShare
}

// monthBounds resolves the query's months to the date range [from, to).
func monthBounds(q *ReportQuery, now time.Time) (from, to string, err error) {
	var f guanxi.Fields
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if q.To == "" {
		q.To = cur.Format("2006-01")
	}
	if q.From == "" {
		if t, err := time.Parse("2006-01", q.To); err == nil {
			q.From = t.AddDate(0, -5, 0).Format("2006-01")
		}
	}
	ft, ferr := time.Parse("2006-01", q.From)
	if ferr != nil {
		f.Add("from", "renewal.month_format")
	}
	tt, terr := time.Parse("2006-01", q.To)
	if terr != nil {
		f.Add("to", "renewal.month_format")
	}
	if ferr == nil && terr == nil {
		switch {
		case tt.Before(ft):
			f.Add("to", "validation.date_order")
		case tt.Year()*12+int(tt.Month())-(ft.Year()*12+int(ft.Month())) >= MaxReportMonths:
			f.Add("to", "renewal.too_many_months", map[string]any{"max": MaxReportMonths})
		}
	}
	if q.Kind != "" && !slices.Contains(HoldingKinds, q.Kind) {
		f.Add("kind", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return "", "", err
	}
	return ft.Format(time.DateOnly), tt.AddDate(0, 1, 0).Format(time.DateOnly), nil
}

// HoldingKinds are the holding kinds (customer.HoldingKinds as strings).
var HoldingKinds = []string{"vehicle", "loan", "deposit", "subscription", "property", "policy", "other"}

// BuildReport turns the store's counts into the report: one row for every
// month of the query (empty months included), a total, and the reason
// shares in the reasons' order (unknown codes last).
func BuildReport(q ReportQuery, counts []MonthCount, reasons []ReasonCount, known []Reason, lang string) Report {
	rep := Report{Query: q}
	ft, _ := time.Parse("2006-01", q.From)
	tt, _ := time.Parse("2006-01", q.To)
	idx := map[string]int{}
	for t := ft; !t.After(tt); t = t.AddDate(0, 1, 0) {
		idx[t.Format("2006-01")] = len(rep.Months)
		rep.Months = append(rep.Months, MonthRow{Month: t.Format("2006-01")})
	}
	for _, c := range counts {
		i, ok := idx[c.Month]
		if !ok {
			continue
		}
		m := &rep.Months[i]
		switch c.Outcome {
		case Renewed:
			m.Renewed += c.N
			m.FeeMinor += c.FeeMinor
		case Lapsed:
			m.Lapsed += c.N
		default:
			m.Pending += c.N
		}
	}
	rep.Total.Month = ""
	for i := range rep.Months {
		m := &rep.Months[i]
		m.Due = m.Renewed + m.Lapsed + m.Pending
		rep.Total.Due += m.Due
		rep.Total.Renewed += m.Renewed
		rep.Total.Lapsed += m.Lapsed
		rep.Total.Pending += m.Pending
		rep.Total.FeeMinor += m.FeeMinor
	}
	order := map[string]int{}
	names := map[string]string{}
	for i, r := range known {
		order[r.Code] = i
		names[r.Code] = r.Name(lang)
	}
	var n []int64
	for _, r := range reasons {
		if r.N <= 0 {
			continue
		}
		name := names[r.Code]
		if name == "" {
			name = r.Code
		}
		rep.Reasons = append(rep.Reasons, ReasonShare{Code: r.Code, Name: name, N: r.N})
	}
	sort.SliceStable(rep.Reasons, func(i, j int) bool {
		oi, iok := order[rep.Reasons[i].Code]
		oj, jok := order[rep.Reasons[j].Code]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return rep.Reasons[i].Code < rep.Reasons[j].Code
	})
	for _, r := range rep.Reasons {
		n = append(n, r.N)
	}
	for i, t := range LargestRemainder(n, 1000) {
		rep.Reasons[i].Tenths = t
	}
	return rep
}

// LargestRemainder splits total units in proportion to counts, rounding
// down and giving the units left to the largest remainders (ties to the
// earlier entry), so the parts always add up to total when any count is
// positive.
func LargestRemainder(counts []int64, total int64) []int64 {
	out := make([]int64, len(counts))
	var sum int64
	for _, c := range counts {
		sum += c
	}
	if sum <= 0 {
		return out
	}
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, len(counts))
	var given int64
	for i, c := range counts {
		out[i] = c * total / sum
		given += out[i]
		rems[i] = rem{i, c * total % sum}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}
