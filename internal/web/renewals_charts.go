package web

import (
	"encoding/json"
	"math"
)

// Charts of the renewal analysis: ECharts options built here in the page
// language, drawn by static/charts.js like the complaint analysis.

func chartsJSON(c map[string]any) (string, error) {
	b, err := json.Marshal(c)
	return string(b), err
}

func (v *renewalReportView) chartOptions() map[string]any {
	months, renewed, lapsed, pending, rate, fees := []string{}, []int64{}, []int64{}, []int64{}, []any{}, []float64{}
	for _, m := range v.Rep.Months {
		months = append(months, v.MonthLabel(m.Month))
		renewed = append(renewed, m.Renewed)
		lapsed = append(lapsed, m.Lapsed)
		pending = append(pending, m.Pending)
		if x, ok := m.Rate(); ok {
			rate = append(rate, math.Round(x*10)/10)
		} else {
			rate = append(rate, nil) // a gap, not 0%
		}
		fees = append(fees, float64(m.FeeMinor)/100)
	}
	monthly := chartBase()
	monthly["xAxis"] = []obj{{"type": "category", "data": months}}
	monthly["yAxis"] = []obj{{"type": "value", "name": v.T("web.renewal.count"), "minInterval": 1},
		{"type": "value", "name": v.T("web.renewal.rate"), "min": 0, "max": 100, "axisLabel": obj{"formatter": "{value}%"}}}
	monthly["series"] = []obj{
		{"type": "bar", "stack": "due", "name": v.T("enum.renewal_status.renewed"), "data": renewed},
		{"type": "bar", "stack": "due", "name": v.T("enum.renewal_status.lapsed"), "data": lapsed},
		{"type": "bar", "stack": "due", "name": v.T("enum.renewal_status.pending"), "data": pending},
		{"type": "line", "name": v.T("web.renewal.rate"), "yAxisIndex": 1, "data": rate, "connectNulls": false},
	}
	feeChart := chartBase()
	feeChart["legend"] = obj{"show": false}
	feeChart["xAxis"] = obj{"type": "category", "data": months}
	feeChart["yAxis"] = obj{"type": "value", "name": v.T("web.renewal.fees_yuan")}
	feeChart["series"] = []obj{{"type": "bar", "name": v.T("web.renewal.fees_yuan"), "data": fees}}
	out := map[string]any{"monthly": monthly, "fees": feeChart}
	if len(v.Rep.Reasons) > 0 {
		data := []obj{}
		for _, r := range v.Rep.Reasons {
			data = append(data, obj{"name": r.Name, "value": r.N})
		}
		out["reasons"] = obj{
			"tooltip": obj{"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
			"legend":  obj{"bottom": 0, "type": "scroll"},
			"series": []obj{{"type": "pie", "radius": []string{"35%", "65%"}, "data": data,
				"label": obj{"formatter": "{b}\n{d}%"}}},
		}
	}
	return out
}
