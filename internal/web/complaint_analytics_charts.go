package web

import (
	"io"
	"math"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/xlsx"
)

// ECharts options are built here, labelled in the page language, so the
// browser script only draws them. String formatters ("{value}%") keep the
// options plain JSON.

type obj = map[string]any

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func chartBase() obj {
	return obj{
		"tooltip": obj{"trigger": "axis"},
		"grid":    obj{"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": true},
		"legend":  obj{"top": 0},
	}
}

func (v *analyticsView) paretoOption(rows []ticket.ParetoRow) obj {
	names, counts, cum := []string{}, []int64{}, []float64{}
	for _, p := range rows {
		names = append(names, v.CategoryName(p))
		counts = append(counts, p.N)
		cum = append(cum, round1(p.Cumulative))
	}
	o := chartBase()
	o["xAxis"] = []obj{{"type": "category", "data": names, "axisLabel": obj{"interval": 0, "rotate": 30}}}
	o["yAxis"] = []obj{{"type": "value", "name": v.T("web.analytics.count"), "minInterval": 1},
		{"type": "value", "name": v.T("web.analytics.cumulative"), "min": 0, "max": 100, "axisLabel": obj{"formatter": "{value}%"}}}
	o["series"] = []obj{
		{"type": "bar", "name": v.T("web.analytics.count"), "data": counts},
		{"type": "line", "name": v.T("web.analytics.cumulative"), "yAxisIndex": 1, "data": cum},
	}
	return o
}

func (v *analyticsView) barsOption(rows []ticket.BarRow, what string) obj {
	names, counts := []string{}, []int64{}
	for _, b := range rows {
		names = append(names, v.BarLabel(b, what))
		counts = append(counts, b.N)
	}
	o := chartBase()
	o["legend"] = obj{"show": false}
	o["grid"] = obj{"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": true}
	o["xAxis"] = obj{"type": "value", "minInterval": 1}
	o["yAxis"] = obj{"type": "category", "data": names, "inverse": true, "axisLabel": obj{"width": 160, "overflow": "truncate"}}
	o["series"] = []obj{{"type": "bar", "name": v.T("web.analytics.count"), "data": counts, "label": obj{"show": true, "position": "right"}}}
	return o
}

func (v *analyticsView) durationOption(d ticket.Distribution) obj {
	names, counts := []string{}, []int64{}
	for _, b := range d.Buckets {
		names = append(names, v.BucketName(b.Key))
		counts = append(counts, b.N)
	}
	o := chartBase()
	o["legend"] = obj{"show": false}
	o["xAxis"] = obj{"type": "category", "data": names, "axisLabel": obj{"interval": 0, "rotate": 30}}
	o["yAxis"] = obj{"type": "value", "minInterval": 1, "name": v.T("web.analytics.count")}
	o["series"] = []obj{{"type": "bar", "name": v.T("web.analytics.count"), "data": counts}}
	return o
}

func (v *analyticsView) volumeOption() obj {
	periods, reg, closed := []string{}, []int64{}, []int64{}
	for _, p := range v.Rep.Volume {
		periods = append(periods, p.Label)
		reg = append(reg, p.Registered)
		closed = append(closed, p.Closed)
	}
	o := chartBase()
	o["xAxis"] = obj{"type": "category", "data": periods}
	o["yAxis"] = obj{"type": "value", "minInterval": 1}
	o["series"] = []obj{
		{"type": "bar", "name": v.T("web.analytics.registered"), "data": reg},
		{"type": "line", "name": v.T("web.analytics.closed"), "data": closed},
	}
	return o
}

// chartOptions are the options of every chart with data, by the id the
// template's <div data-chart="…"> names.
func (v *analyticsView) chartOptions() map[string]any {
	r := v.Rep
	c := map[string]any{"volume": v.volumeOption()}
	if len(r.Categories) > 0 {
		c["categories"] = v.paretoOption(r.Categories)
		c["subcategories"] = v.paretoOption(r.Subcategories)
	}
	if len(r.Units) > 0 {
		c["units"] = v.barsOption(r.Units, "unit")
		c["staff"] = v.barsOption(r.Staff, "staff")
	}
	if len(r.RootCauses) > 0 {
		c["root_causes"] = v.barsOption(r.RootCauses, "cause")
	}
	if r.FirstResponse.HasData() {
		c["first_response"] = v.durationOption(r.FirstResponse)
	}
	if r.Resolution.HasData() {
		c["resolution"] = v.durationOption(r.Resolution)
	}
	return c
}

// writeXLSX writes the page's tables, one sheet per section.
func (v *analyticsView) writeXLSX(w io.Writer) error {
	r := v.Rep
	t := v.T
	kpi := xlsx.Sheet{Name: t("web.analytics.sheet.kpis"), Widths: []float64{28, 12, 12, 12, 12, 12},
		Header: []string{t("web.analytics.kpi"), t("web.analytics.value"), t("web.analytics.numerator"),
			t("web.analytics.denominator"), t("web.analytics.target"), t("web.analytics.state")}}
	for _, k := range r.KPIs {
		var val any = "—"
		if x, ok := k.Value(); ok {
			val = round1(x)
		}
		kpi.Rows = append(kpi.Rows, []any{v.KPIName(k), val, k.Num, k.Den, v.KPITarget(k), v.KPIState(k)})
	}
	kpi.Rows = append(kpi.Rows, []any{},
		[]any{t("web.analytics.from"), r.Query.From}, []any{t("web.analytics.to"), r.Query.To},
		[]any{t("web.analytics.granularity"), v.GranularityName()},
		[]any{t("web.analytics.tickets"), r.Totals.Total})
	if r.Query.OrgUnitID != 0 {
		kpi.Rows = append(kpi.Rows, []any{t("web.ticket.unit"), v.unitLabel(r.Query.OrgUnitID)})
	}
	if r.Query.CategoryID != 0 {
		kpi.Rows = append(kpi.Rows, []any{t("field.category_id"), v.ticketLists.CategoryName(&r.Query.CategoryID, v.Lang)})
	}
	if r.Query.Channel != "" {
		kpi.Rows = append(kpi.Rows, []any{t("field.channel"), v.Enum("ticket_channel", r.Query.Channel)})
	}
	vol := xlsx.Sheet{Name: t("web.analytics.sheet.volume"), Widths: []float64{14, 12, 12, 12},
		Header: []string{t("web.analytics.period"), t("web.analytics.start"), t("web.analytics.registered"), t("web.analytics.closed")}}
	for _, p := range r.Volume {
		vol.Rows = append(vol.Rows, []any{p.Label, p.Start, p.Registered, p.Closed})
	}
	cats := xlsx.Sheet{Name: t("web.analytics.sheet.categories"), Widths: []float64{12, 32, 10, 10, 12},
		Header: []string{t("web.analytics.level"), t("field.category_id"), t("web.analytics.count"), t("web.analytics.share"), t("web.analytics.cumulative")}}
	for _, lvl := range []struct {
		name string
		rows []ticket.ParetoRow
	}{{t("web.analytics.level_top"), r.Categories}, {t("web.analytics.level_sub"), r.Subcategories}} {
		for _, p := range lvl.rows {
			cats.Rows = append(cats.Rows, []any{lvl.name, v.CategoryName(p), p.N, round1(p.Share), round1(p.Cumulative)})
		}
	}
	bars := func(name, col, what string, rows []ticket.BarRow) xlsx.Sheet {
		s := xlsx.Sheet{Name: name, Widths: []float64{32, 10, 10},
			Header: []string{col, t("web.analytics.count"), t("web.analytics.share")}}
		for _, b := range rows {
			s.Rows = append(s.Rows, []any{v.BarLabel(b, what), b.N, round1(b.Share)})
		}
		return s
	}
	dur := xlsx.Sheet{Name: t("web.analytics.sheet.durations"), Widths: []float64{20, 16, 12},
		Header: []string{t("web.analytics.measure"), t("web.analytics.bucket"), t("web.analytics.count")}}
	for _, d := range []struct {
		name string
		d    ticket.Distribution
	}{{t("web.analytics.first_response"), r.FirstResponse}, {t("web.analytics.resolution"), r.Resolution}} {
		for _, b := range d.d.Buckets {
			dur.Rows = append(dur.Rows, []any{d.name, v.BucketName(b.Key), b.N})
		}
		stat := func(f float64) any {
			if !d.d.HasData() {
				return "—"
			}
			return round1(f)
		}
		dur.Rows = append(dur.Rows, []any{d.name, t("web.analytics.p50_hours"), stat(d.d.P50)},
			[]any{d.name, t("web.analytics.p90_hours"), stat(d.d.P90)},
			[]any{d.name, t("web.analytics.mean_hours"), stat(d.d.Mean)})
	}
	return xlsx.Write(w, []xlsx.Sheet{kpi, vol, cats,
		bars(t("web.analytics.sheet.units"), t("web.ticket.unit"), "unit", r.Units),
		bars(t("web.analytics.sheet.staff"), t("field.assignee_id"), "staff", r.Staff),
		bars(t("web.analytics.sheet.root_causes"), t("field.root_cause"), "cause", r.RootCauses),
		dur})
}

// unitLabel names unit id from the page's unit list.
func (v *analyticsView) unitLabel(id int64) string {
	for _, u := range v.Units {
		if u.ID == id {
			return strings.TrimLeft(u.Label, "　")
		}
	}
	return ""
}

// GranularityName names the chart period.
func (v *analyticsView) GranularityName() string {
	if v.Rep.Query.Granularity == ticket.Weekly {
		return v.T("web.analytics.week")
	}
	return v.T("web.analytics.month")
}
