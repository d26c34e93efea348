package api

import (
	"context"
	"net/http"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

type complaintAnalyticsIn struct {
	From        string    `query:"from" doc:"First day, YYYY-MM-DD in China time (default: the 1st of the month 11 months before 'to')"`
	To          string    `query:"to" doc:"Last day, included (default: today)"`
	Granularity string    `query:"granularity" doc:"week or month (default month)"`
	OrgUnitID   guanxi.ID `query:"org_unit_id" doc:"The unit and its subtree"`
	CategoryID  guanxi.ID `query:"category_id" doc:"The category and its children"`
	Channel     string    `query:"channel"`
	Lang        string    `query:"lang" doc:"Language of category names: zh-CN or en (default: the caller's)"`
}

// ComplaintAnalyticsOut is the complaint analysis of a period over the
// tickets the caller may see (merged tickets never count).
type ComplaintAnalyticsOut struct {
	From          string             `json:"from"`
	To            string             `json:"to"`
	Granularity   string             `json:"granularity" enum:"week,month"`
	OrgUnitID     guanxi.ID          `json:"org_unit_id,omitempty"`
	CategoryID    guanxi.ID          `json:"category_id,omitempty"`
	Channel       string             `json:"channel,omitempty"`
	Tickets       int64              `json:"tickets" doc:"Tickets received in the period"`
	KPIs          []KPIOut           `json:"kpis"`
	Volume        []VolumeOut        `json:"volume" doc:"Every period, registered (by received day) and closed (by closing day)"`
	Categories    []ParetoOut        `json:"categories" doc:"Pareto of the top level of the category tree"`
	Subcategories []ParetoOut        `json:"subcategories" doc:"Pareto of the categories as recorded"`
	Units         []BarOut           `json:"units" doc:"Top 15 responsible units, the rest summed"`
	Staff         []BarOut           `json:"staff" doc:"Top 15 assignees, the rest summed"`
	RootCauses    []BarOut           `json:"root_causes" doc:"Top 15 root causes (trimmed text), the rest summed"`
	FirstResponse DistributionOut    `json:"first_response"`
	Resolution    DistributionOut    `json:"resolution"`
	Targets       map[string]float64 `json:"targets" doc:"KPI targets in percent, by KPI key"`
}

// KPIOut is one rate against its target. Value is null when there is
// nothing to divide by.
type KPIOut struct {
	Key         string   `json:"key" enum:"breach_rate,fcr_rate,complaint_rate,satisfaction,reopen_rate"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Value       *float64 `json:"value" doc:"Percent"`
	Target      float64  `json:"target" doc:"Percent"`
	Comparison  string   `json:"comparison" enum:"le,ge,lt" doc:"How the value must compare with the target"`
	State       string   `json:"state" enum:"ok,bad,none"`
}

// VolumeOut is one period of the volume chart.
type VolumeOut struct {
	Period     string `json:"period" doc:"2026-03 or 2026-W09"`
	Start      string `json:"start"`
	Registered int64  `json:"registered"`
	Closed     int64  `json:"closed"`
}

// ParetoOut is one bar of a Pareto chart.
type ParetoOut struct {
	ID         guanxi.ID `json:"id" doc:"0: no category"`
	Name       string    `json:"name"`
	Count      int64     `json:"count"`
	Share      float64   `json:"share"`
	Cumulative float64   `json:"cumulative"`
}

// BarOut is one bar of a top list.
type BarOut struct {
	ID    guanxi.ID `json:"id,omitempty"`
	Label string    `json:"label" doc:"Empty for no unit / no assignee and for the rest"`
	Count int64     `json:"count"`
	Share float64   `json:"share"`
	Rest  bool      `json:"rest,omitempty"`
}

// DistributionOut is a histogram of wall-clock durations with percentiles
// in hours (null when there is no data).
type DistributionOut struct {
	Count   int64       `json:"count"`
	P50     *float64    `json:"p50_hours"`
	P90     *float64    `json:"p90_hours"`
	Mean    *float64    `json:"mean_hours"`
	Buckets []BucketOut `json:"buckets"`
}

// BucketOut is one duration bucket: le_1h, h1_4, h4_8, h8_24, d1_2, d2_5,
// d5_10, gt_10d.
type BucketOut struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

func complaintAnalyticsOut(r ticket.Report) ComplaintAnalyticsOut {
	q := r.Query
	out := ComplaintAnalyticsOut{From: q.From, To: q.To, Granularity: string(q.Granularity), OrgUnitID: q.OrgUnitID,
		CategoryID: q.CategoryID, Channel: q.Channel, Tickets: r.Totals.Total,
		KPIs: []KPIOut{}, Volume: []VolumeOut{}, Targets: map[string]float64{}}
	for _, k := range r.KPIs {
		ko := KPIOut{Key: k.Key, Numerator: k.Num, Denominator: k.Den, Target: k.Target, Comparison: k.Cmp, State: k.State()}
		if v, ok := k.Value(); ok {
			ko.Value = &v
		}
		out.KPIs = append(out.KPIs, ko)
		out.Targets[k.Key] = k.Target
	}
	for _, v := range r.Volume {
		out.Volume = append(out.Volume, VolumeOut{Period: v.Label, Start: v.Start, Registered: v.Registered, Closed: v.Closed})
	}
	pareto := func(rows []ticket.ParetoRow) []ParetoOut {
		o := make([]ParetoOut, 0, len(rows))
		for _, p := range rows {
			o = append(o, ParetoOut{ID: p.ID, Name: p.Name, Count: p.N, Share: p.Share, Cumulative: p.Cumulative})
		}
		return o
	}
	bars := func(rows []ticket.BarRow) []BarOut {
		o := make([]BarOut, 0, len(rows))
		for _, b := range rows {
			o = append(o, BarOut{ID: b.ID, Label: b.Label, Count: b.N, Share: b.Share, Rest: b.Rest})
		}
		return o
	}
	dist := func(d ticket.Distribution) DistributionOut {
		o := DistributionOut{Count: d.N, Buckets: make([]BucketOut, 0, len(d.Buckets))}
		for _, b := range d.Buckets {
			o.Buckets = append(o.Buckets, BucketOut{Key: b.Key, Count: b.N})
		}
		if d.HasData() {
			p50, p90, mean := d.P50, d.P90, d.Mean
			o.P50, o.P90, o.Mean = &p50, &p90, &mean
		}
		return o
	}
	out.Categories, out.Subcategories = pareto(r.Categories), pareto(r.Subcategories)
	out.Units, out.Staff, out.RootCauses = bars(r.Units), bars(r.Staff), bars(r.RootCauses)
	out.FirstResponse, out.Resolution = dist(r.FirstResponse), dist(r.Resolution)
	return out
}

// complaintAnalyticsRoutes registers the complaint analysis.
func (h *Handler) complaintAnalyticsRoutes(api humaAPI) {
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/complaint-analytics", ID: "complaint-analytics", Perm: guanxi.PermTicketRead},
		"Complaint analysis (投诉分析): volume, category Pareto, units, staff, root causes, response and resolution times, KPIs against targets",
		func(ctx context.Context, a guanxi.Actor, in *complaintAnalyticsIn) (*struct{ Body ComplaintAnalyticsOut }, error) {
			lang := in.Lang
			if lang != "en" && lang != "zh-CN" {
				lang = langOf(ctx, h.app.I18n, "")
			}
			r, err := h.app.Analytics.Report(ctx, a, ticket.AnalyticsQuery{From: in.From, To: in.To, Granularity: ticket.Granularity(in.Granularity),
				OrgUnitID: in.OrgUnitID, CategoryID: in.CategoryID, Channel: in.Channel}, lang)
			if err != nil {
				return nil, relocate(err, "query")
			}
			return &struct{ Body ComplaintAnalyticsOut }{Body: complaintAnalyticsOut(r)}, nil
		})
}
