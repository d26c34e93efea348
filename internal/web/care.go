package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/lunar"
)

// careRoutes lists this module's pages and form actions.
func (h *Handler) careRoutes() []route {
	admin, report := guanxi.PermCareAdmin, guanxi.PermCareReport
	return []route{
		{"GET", "/care/rules", admin, h.careRules},
		{"GET", "/care/rules/new", admin, h.careRuleNew},
		{"POST", "/care/rules", admin, h.careRuleCreate},
		{"GET", "/care/rules/{id}", admin, h.careRuleEdit},
		{"POST", "/care/rules/{id}", admin, h.careRuleUpdate},
		{"POST", "/care/rules/{id}/delete", admin, h.careRuleDelete},
		{"POST", "/care/rules/{id}/run", admin, h.careRuleRun},
		{"POST", "/care/reasons", admin, h.careReasonSave},
		{"GET", "/reports/care", report, h.careReport},
		{"GET", "/reports/care.csv", report, h.careReportCSV},
	}
}

// careRulesView lists the care rules and the churn reason codes.
type careRulesView struct {
	Base
	Rules   []care.Rule
	Reasons []care.Reason
}

// careEventsPage is how many of a rule's events its page shows at once.
const careEventsPage = 50

// careRuleFormView edits one rule; Offsets and Audience are as typed.
type careRuleFormView struct {
	Base
	R        care.Rule
	IsNew    bool
	Offsets  string
	Filters  []bulk.SavedFilter
	Events   []care.Event
	FilterID guanxi.ID
	// EventsNext and EventsFirst page the rule's events (empty when there
	// is no next page, or when this is the first).
	EventsNext, EventsFirst string
}

// CareKinds, CareChannels and the rest feed the rule form's choices.
func (b *Base) CareKinds() []string         { return care.Kinds }
func (b *Base) CareChannels() []string      { return care.Channels }
func (b *Base) CareHoldingKinds() []string  { return care.HoldingKinds }
func (b *Base) CareFestivals() []string     { return lunar.Festivals() }
func (b *Base) CareEventStatuses() []string { return care.EventStatuses }

// Has reports whether xs holds x (checkbox state).
func (v *careRuleFormView) Has(xs []string, x string) bool { return slices.Contains(xs, x) }

// careFields are the rule and churn fields with their labels.
var careFields = map[string]string{
	"lead_days":      "web.care.field.lead_days",
	"festivals":      "web.care.field.festivals",
	"holding_kinds":  "web.care.field.holding_kinds",
	"offsets":        "web.care.field.offsets",
	"months":         "web.care.field.months",
	"km":             "web.care.field.km",
	"km_per_month":   "web.care.field.km_per_month",
	"dormant_months": "web.care.field.dormant_months",
	"activity":       "web.care.field.activity",
	"audience":       "web.care.field.audience",
	"template":       "web.care.field.template",
	"task_title":     "web.care.field.task_title",
	"quiet_start":    "web.care.field.quiet_start",
	"quiet_end":      "web.care.field.quiet_end",
	"cap_count":      "web.care.field.cap_count",
	"cap_days":       "web.care.field.cap_days",
	"churn_reason":   "web.care.field.churn_reason",
	"usage_note":     "web.care.field.usage_note",
	"label":          "web.care.field.label",
	"create_task":    "web.care.field.create_task",
}

// careLabels names this module's fields in form error summaries.
func careLabels(b *Base) map[string]string {
	m := map[string]string{}
	for k, v := range b.Labels {
		m[k] = v
	}
	for f, key := range careFields {
		m[f] = b.T(key)
	}
	return m
}

// ReasonLabel labels a churn reason: its own label, else the default's.
func (b *Base) ReasonLabel(r care.Reason) string {
	if r.Label != "" {
		return r.Label
	}
	return b.Enum("churn_reason", r.Code)
}

func (h *Handler) careRules(w http.ResponseWriter, r *http.Request) error {
	v := &careRulesView{Base: h.base(r, "web.care.title", "care")}
	var err error
	if v.Rules, err = h.app.Care.Rules(r.Context(), actor(r)); err != nil {
		return err
	}
	if v.Reasons, err = h.app.Care.Reasons(r.Context()); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "care_rules", v)
}

func (h *Handler) careRuleForm(r *http.Request, rule care.Rule, isNew bool) (*careRuleFormView, error) {
	title := "web.care.edit"
	if isNew {
		title = "web.care.new"
	}
	v := &careRuleFormView{Base: h.base(r, title, "care"), R: rule, IsNew: isNew}
	v.Labels = careLabels(&v.Base)
	offs := make([]string, len(rule.Params.Offsets))
	for i, o := range rule.Params.Offsets {
		offs[i] = strconv.Itoa(o)
	}
	v.Offsets = strings.Join(offs, ",")
	if h.app.Exports != nil {
		fs, err := h.app.Exports.SavedFilters(r.Context(), actor(r))
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.Filter != "" {
				v.Filters = append(v.Filters, f)
			}
		}
	}
	if !isNew && rule.ID != 0 {
		qs := r.URL.Query()
		page, err := h.app.Care.Events(r.Context(), actor(r), care.EventQuery{RuleID: rule.ID, Limit: careEventsPage,
			Cursor: qs.Get("cursor")})
		if err != nil {
			return nil, err
		}
		v.Events = page.Items
		if page.NextCursor != "" {
			next := cloneValues(qs)
			next.Set("cursor", page.NextCursor)
			v.EventsNext = r.URL.Path + "?" + next.Encode() + "#events"
		}
		if qs.Get("cursor") != "" {
			first := cloneValues(qs)
			first.Del("cursor")
			v.EventsFirst = r.URL.Path + "?" + first.Encode() + "#events"
		}
	}
	return v, nil
}

func (h *Handler) careRuleNew(w http.ResponseWriter, r *http.Request) error {
	rule := care.Rule{Kind: care.KindBirthday, Channel: care.ChannelSMS, CreateTask: true, Enabled: true,
		QuietStart: "21:00", QuietEnd: "08:00"}
	if k := r.URL.Query().Get("kind"); slices.Contains(care.Kinds, k) {
		rule.Kind = k
	}
	v, err := h.careRuleForm(r, rule, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "care_rule_form", v)
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

// readCareForm fills a rule from the form; a chosen saved filter replaces
// the typed audience.
func (h *Handler) readCareForm(r *http.Request, rule *care.Rule) (offsets string, err error) {
	if err := r.ParseForm(); err != nil {
		return "", err
	}
	rule.Name = r.PostFormValue("name")
	rule.Kind = r.PostFormValue("kind")
	rule.Channel = r.PostFormValue("channel")
	rule.Template = r.PostFormValue("template")
	rule.CreateTask = r.PostFormValue("create_task") == "1"
	rule.TaskTitle = r.PostFormValue("task_title")
	rule.LeadDays = formInt(r, "lead_days")
	rule.QuietStart = strings.TrimSpace(r.PostFormValue("quiet_start"))
	rule.QuietEnd = strings.TrimSpace(r.PostFormValue("quiet_end"))
	rule.CapCount = formInt(r, "cap_count")
	rule.CapDays = formInt(r, "cap_days")
	rule.Enabled = r.PostFormValue("enabled") == "1"
	rule.Audience = r.PostFormValue("audience")
	if id := formID(r, "saved_filter_id"); id != 0 && h.app.Exports != nil {
		f, err := h.app.Exports.SavedFilter(r.Context(), actor(r), id)
		if err != nil {
			return "", err
		}
		rule.Audience = f.Filter
	}
	offsets = r.PostFormValue("offsets")
	p := care.Params{Festivals: r.PostForm["festivals"], HoldingKinds: r.PostForm["holding_kinds"],
		Months: formInt(r, "months"), KM: formInt(r, "km"), KMPerMonth: formInt(r, "km_per_month"),
		DormantMonths: formInt(r, "dormant_months"), Activity: r.PostFormValue("activity")}
	for _, s := range strings.FieldsFunc(offsets, func(c rune) bool { return c == ',' || c == ' ' || c == '，' }) {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1 // reported by validation
		}
		p.Offsets = append(p.Offsets, n)
	}
	rule.Params = p
	return offsets, nil
}

func (h *Handler) careRuleCreate(w http.ResponseWriter, r *http.Request) error {
	var rule care.Rule
	offsets, err := h.readCareForm(r, &rule)
	if err != nil {
		return err
	}
	if err := h.app.Care.Save(r.Context(), actor(r), &rule, 0); err != nil {
		v, verr := h.careRuleForm(r, rule, true)
		if verr != nil {
			return verr
		}
		v.Offsets = offsets
		return h.formError(w, r, err, "care_rule_form", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/care/rules")
}

func (h *Handler) careRuleEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := h.app.Care.Rule(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	v, err := h.careRuleForm(r, rule, false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "care_rule_form", v)
}

func (h *Handler) careRuleUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.app.Care.Rule(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	rule := cur
	offsets, err := h.readCareForm(r, &rule)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := h.app.Care.Save(r.Context(), actor(r), &rule, version); err != nil {
		rule.Version = version
		v, verr := h.careRuleForm(r, rule, false)
		if verr != nil {
			return verr
		}
		v.Offsets = offsets
		return h.formError(w, r, err, "care_rule_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/care/rules")
}

func (h *Handler) careRuleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := h.app.Care.Delete(r.Context(), actor(r), id, version); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.deleted")
	return redirect(w, r, "/care/rules")
}

// careRuleRun runs one rule now ("Run now"); the run is audited and still
// fires each occurrence once.
func (h *Handler) careRuleRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.app.Care.RunNow(r.Context(), actor(r), id); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.care_ran")
	return redirect(w, r, "/care/rules/"+strconv.FormatInt(int64(id), 10))
}

func (h *Handler) careReasonSave(w http.ResponseWriter, r *http.Request) error {
	rs := care.Reason{Code: r.PostFormValue("code"), Label: r.PostFormValue("label"), Position: formInt(r, "position"),
		Active: r.PostFormValue("active") == "1"}
	if err := h.app.Care.SaveReason(r.Context(), actor(r), rs); err != nil {
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			return err
		}
		v := &careRulesView{Base: h.base(r, "web.care.title", "care")}
		if v.Rules, err = h.app.Care.Rules(r.Context(), actor(r)); err != nil {
			return err
		}
		if v.Reasons, err = h.app.Care.Reasons(r.Context()); err != nil {
			return err
		}
		return h.formError(w, r, guanxi.Invalid(guanxi.Field("code", "validation.care_code")), "care_rules", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/care/rules#reasons")
}

// careReportView is the care report: churn reasons and care completion.
type careReportView struct {
	Base
	R      care.Report
	Labels map[string]string
}

// Reason labels a churn reason code.
func (v *careReportView) Reason(code string) string {
	if l := v.Labels[code]; l != "" {
		return l
	}
	return v.Enum("churn_reason", code)
}

func (h *Handler) careReportData(r *http.Request) (*careReportView, error) {
	q := r.URL.Query()
	rep, err := h.app.Care.Report(r.Context(), actor(r), strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to")))
	if err != nil {
		return nil, err
	}
	v := &careReportView{Base: h.base(r, "web.care.report", "care_report"), R: rep, Labels: map[string]string{}}
	rs, err := h.app.Care.Reasons(r.Context())
	if err != nil {
		return nil, err
	}
	for _, x := range rs {
		v.Labels[x.Code] = x.Label
	}
	return v, nil
}

func (h *Handler) careReport(w http.ResponseWriter, r *http.Request) error {
	v, err := h.careReportData(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "care_report", v)
}

// careReportCSV exports the report: churn reasons, then completion per
// staff member, team and in total.
func (h *Handler) careReportCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := h.careReportData(r)
	if err != nil {
		return err
	}
	b := &v.Base
	setDownload(w, "care-"+time.Now().In(h.loc).Format("20060102")+".csv", bulk.ContentType(bulk.FormatCSV))
	t := bulk.NewTable(w, bulk.FormatCSV)
	period := v.R.From + "~" + v.R.To
	if err := t.Sheet(b.T("web.care.report"), []string{b.T("web.care.section"), b.T("web.followup.team"), b.T("field.name"),
		b.T("web.followup.period"), b.T("web.care.count"), b.T("web.care.share"), b.T("enum.task_status.open"),
		b.T("enum.task_status.done"), b.T("enum.task_status.skipped"), b.T("enum.task_status.failed"),
		b.T("web.followup.overdue"), b.T("web.followup.rate")}, []float64{12, 16, 16, 24}); err != nil {
		return err
	}
	if err := t.Row([]any{b.T("web.care.churn_rate"), "", "", period, v.R.Dormant, strconv.FormatFloat(v.R.ChurnRate(), 'f', 1, 64) + "%",
		"", "", "", "", "", ""}); err != nil {
		return err
	}
	for _, x := range v.R.Reasons {
		if err := t.Row([]any{b.T("web.care.churn_reasons"), "", v.Reason(x.Code), period, x.N, strconv.Itoa(x.Pct) + "%",
			"", "", "", "", "", ""}); err != nil {
			return err
		}
	}
	line := func(level, team string, l care.Line) error {
		var rate any
		if l.Total() > 0 {
			rate = strconv.Itoa(l.Rate()) + "%"
		}
		return t.Row([]any{level, team, l.Name, period, l.Total(), "", l.Open, l.Done, l.Skipped, l.Failed, l.Overdue, rate})
	}
	for _, l := range v.R.Staff {
		if err := line(b.T("web.followup.staff"), l.Team, l); err != nil {
			return err
		}
	}
	for _, l := range v.R.Teams {
		if err := line(b.T("web.followup.team"), "", l); err != nil {
			return err
		}
	}
	tot := v.R.Total
	tot.Name = b.T("web.followup.total")
	if err := line(b.T("web.followup.total"), "", tot); err != nil {
		return err
	}
	return t.Close()
}
