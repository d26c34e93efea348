package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/appointment"
)

// aptReportView is the appointment success report (APT-05) and the
// customers who keep their appointments (APT-03).
type aptReportView struct {
	Base
	Q        appointment.ReportQuery
	Rep      appointment.Report
	Year     int
	MinCount int
	MinRate  string // percent as typed
	Reliable []appointment.CustomerRate
	Query    string
}

// Pct formats a 0..1 rate as a percentage.
func (v *aptReportView) Pct(f float64) string { return appointment.Percent(f) + "%" }

// Met reports whether a line reaches the target.
func (v *aptReportView) Met(l appointment.Line) bool { return l.Due() > 0 && l.Rate() >= v.Rep.Target }

// ChartJSON is the success-rate chart per period with the target and
// baseline lines, for charts.js.
func (v *aptReportView) ChartJSON() (string, error) {
	periods := []string{}
	arrived, due := map[string]int{}, map[string]int{}
	for _, l := range v.Rep.Lines {
		if _, ok := due[l.Period]; !ok {
			periods = append(periods, l.Period)
		}
		arrived[l.Period] += l.Arrived
		due[l.Period] += l.Due()
	}
	rates := []float64{}
	for _, p := range periods {
		r := 0.0
		if due[p] > 0 {
			r = float64(arrived[p]) / float64(due[p])
		}
		rates = append(rates, round1(r*100))
	}
	o := chartBase()
	o["xAxis"] = []obj{{"type": "category", "data": periods}}
	o["yAxis"] = []obj{{"type": "value", "min": 0, "max": 100, "axisLabel": obj{"formatter": "{value}%"}}}
	o["series"] = []obj{{"type": "bar", "name": v.T("web.apt.success_rate"), "data": rates,
		"markLine": obj{"symbol": "none", "data": []obj{
			{"name": v.T("web.apt.target"), "yAxis": round1(v.Rep.Target * 100)},
			{"name": v.T("web.apt.baseline"), "yAxis": round1(v.Rep.Baseline * 100)},
		}}}}
	b, err := json.Marshal(obj{"success": o})
	return string(b), err
}

func (h *Handler) aptReport(w http.ResponseWriter, r *http.Request) error {
	as := h.app.Appointments
	q := r.URL.Query()
	v := &aptReportView{Base: h.base(r, "web.apt.report", "appointment_report"),
		Q: appointment.ReportQuery{From: q.Get("from"), To: q.Get("to"), Period: q.Get("period")}}
	v.Year, _ = strconv.Atoi(q.Get("year"))
	if v.Year == 0 {
		v.Year, _ = strconv.Atoi(as.Today()[:4])
	}
	v.MinCount, _ = strconv.Atoi(q.Get("min_count"))
	if v.MinCount <= 0 {
		v.MinCount = 3
	}
	v.MinRate = strings.TrimSpace(q.Get("min_rate"))
	if v.MinRate == "" {
		v.MinRate = "80"
	}
	rate, _ := strconv.ParseFloat(v.MinRate, 64)
	var err error
	if v.Rep, err = as.Report(r.Context(), actor(r), v.Q); err != nil {
		return h.formError(w, r, err, "appointment_report", v)
	}
	v.Q.Period = v.Rep.Period
	if v.Reliable, err = as.Reliable(r.Context(), actor(r), v.Year, v.MinCount, rate/100); err != nil {
		return h.formError(w, r, err, "appointment_report", v)
	}
	qs := url.Values{"from": {v.Rep.From}, "to": {v.Rep.To}, "period": {v.Rep.Period},
		"year": {strconv.Itoa(v.Year)}, "min_count": {strconv.Itoa(v.MinCount)}, "min_rate": {v.MinRate}}
	v.Query = qs.Encode()
	switch q.Get("format") {
	case "csv":
		rows := [][]string{{v.T("web.apt.team"), v.T("web.apt.period"), v.T("web.apt.booked"), v.T("web.apt.cancelled"),
			v.T("web.apt.due"), v.T("web.apt.arrived"), v.T("web.apt.no_show"), v.T("web.apt.past_open"), v.T("web.apt.reminded"),
			v.T("web.apt.success_rate"), v.T("web.apt.reminder_rate"), v.T("web.apt.reminded_arrival_rate")}}
		for _, l := range append(v.Rep.Lines, v.Rep.Total) {
			team := l.Team
			if l.Period == "" {
				team = v.T("web.apt.total")
			}
			rows = append(rows, []string{team, l.Period, strconv.Itoa(l.Booked), strconv.Itoa(l.Cancelled), strconv.Itoa(l.Due()),
				strconv.Itoa(l.Arrived), strconv.Itoa(l.NoShow), strconv.Itoa(l.PastOpen), strconv.Itoa(l.Reminded),
				appointment.Percent(l.Rate()), appointment.Percent(l.ReminderRate()), appointment.Percent(l.RemindedArrivalRate())})
		}
		return aptWriteCSV(w, "appointment-success-"+v.Rep.From+"_"+v.Rep.To+".csv", rows)
	case "reliable_csv":
		rows := [][]string{{v.T("field.customer_id"), v.T("web.apt.customer"), v.T("web.apt.owner"), v.T("web.apt.arrived"),
			v.T("web.apt.due"), v.T("web.apt.success_rate")}}
		for _, c := range v.Reliable {
			rows = append(rows, []string{strconv.FormatInt(c.CustomerID, 10), c.CustomerName, c.OwnerName,
				strconv.Itoa(c.Arrived), strconv.Itoa(c.Due), appointment.Percent(c.Rate())})
		}
		return aptWriteCSV(w, "appointment-reliable-"+strconv.Itoa(v.Year)+".csv", rows)
	}
	return h.render(w, r, http.StatusOK, "appointment_report", v)
}
