package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// outboxRoutes lists this module's pages and form actions. /u/{token} is
// the public unsubscribe page: no sign-in, the signed token is the key.
func (h *Handler) outboxRoutes() []route {
	const (
		read  = guanxi.PermMessageRead
		admin = guanxi.PermCareAdmin
	)
	return []route{
		{"GET", "/outbox", read, h.outboxList},
		{"GET", "/outbox/export.csv", read, h.outboxExport},
		{"GET", "/outbox/{id}", read, h.outboxShow},
		{"POST", "/outbox/{id}/cancel", admin, h.outboxCancel},
		{"POST", "/outbox/{id}/retry", admin, h.outboxRetry},
		{"GET", "/outbox/templates", admin, h.outboxTemplates},
		{"GET", "/outbox/templates/{key}/{locale}", admin, h.outboxTemplateEdit},
		{"POST", "/outbox/templates/{key}/{locale}", admin, h.outboxTemplateSave},
		{"GET", "/outbox/channels", admin, h.outboxChannels},
		{"POST", "/outbox/channels", admin, h.outboxChannelsSave},
		{"POST", "/outbox/channels/test", admin, h.outboxChannelsTest},
		{"GET", "/outbox/send", admin, h.outboxSendPage},
		{"POST", "/outbox/send", admin, h.outboxSend},
		{"GET", "/u/{token}", "", h.unsubscribePage},
		{"POST", "/u/{token}", "", h.unsubscribeConfirm},
	}
}

// outboxBase is a page base whose field errors are labelled with this
// module's field names.
func (h *Handler) outboxBase(r *http.Request, title string) Base {
	b := h.base(r, title, "outbox")
	b.Labels = map[string]string{}
	for field, key := range outboxLabels {
		b.Labels[field] = b.T(key)
	}
	return b
}

var outboxLabels = map[string]string{
	"channel": "outbox.f.channel", "purpose": "outbox.f.purpose", "customer_id": "outbox.f.customer_id",
	"user_id": "outbox.f.user_id", "locale": "outbox.f.locale", "template": "outbox.f.template", "text": "outbox.f.text",
	"subject": "outbox.f.subject", "body": "outbox.f.body", "key": "outbox.f.key", "from": "outbox.f.from",
	"to": "outbox.f.to", "status": "field.status", "smtp.port": "outbox.f.smtp_port", "smtp.tls": "outbox.f.smtp_tls",
	"smtp.from": "outbox.f.smtp_from", "sms.url": "outbox.f.sms_url", "sms.method": "outbox.f.sms_method",
	"sms.kind": "outbox.f.sms_kind", "sms.body_template": "outbox.f.sms_body", "rate_per_minute": "outbox.f.rate_any",
	"max_attempts": "outbox.f.max_attempts", "public_url": "outbox.f.public_url",
}

type outboxListView struct {
	Base
	Q      outbox.ListQuery
	Items  []outbox.Stored
	Counts map[string]int
	Next   string // query string of the next page
}

// OutboxStatuses, OutboxChannels and OutboxPurposes list enum values.
func (b *Base) OutboxStatuses() []string { return outbox.Statuses }
func (b *Base) OutboxChannels() []string { return outbox.Channels }
func (b *Base) OutboxPurposes() []string { return outbox.Purposes }

// OutboxStatusClass is the badge style of a message status.
func (b *Base) OutboxStatusClass(s string) string {
	switch s {
	case outbox.StatusSent:
		return "ok"
	case outbox.StatusDead, outbox.StatusFailed:
		return "bad"
	}
	return ""
}

// OutboxTo is a recipient as the viewer may see it.
func (b *Base) OutboxTo(m outbox.Stored) string {
	if m.Channel == outbox.ChannelSMS && !b.User.Can(guanxi.PermRevealPhone) {
		return customer.MaskPhone(m.To)
	}
	return m.To
}

// OutboxText is a rendered text with mobiles masked unless the viewer may
// reveal them.
func (b *Base) OutboxText(s string) string {
	if b.User.Can(guanxi.PermRevealPhone) {
		return s
	}
	return outbox.MaskMobiles(s)
}

func outboxQuery(qs url.Values) outbox.ListQuery {
	q := outbox.ListQuery{Status: qs.Get("status"), Channel: qs.Get("channel"), From: qs.Get("from"), To: qs.Get("to"),
		Limit: 50}
	q.CustomerID, _ = strconv.ParseInt(qs.Get("customer_id"), 10, 64)
	q.Before, _ = strconv.ParseInt(qs.Get("cursor"), 10, 64)
	return q
}

// outboxExport writes the filtered list as CSV (UTF-8 with a BOM for
// Excel), recipients and texts masked as on screen.
func (h *Handler) outboxExport(w http.ResponseWriter, r *http.Request) error {
	list, err := h.app.Outbox.Export(r.Context(), actor(r), outboxQuery(r.URL.Query()))
	if err != nil {
		return err
	}
	b := h.base(r, "outbox.title", "outbox")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="outbox.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", b.T("outbox.f.created"), b.T("outbox.f.channel"), b.T("outbox.f.purpose"), b.T("outbox.f.customer_id"),
		b.T("outbox.f.recipient"), b.T("outbox.f.template"), b.T("field.status"), b.T("outbox.f.attempts"),
		b.T("outbox.f.last_error"), b.T("outbox.f.provider_id"), b.T("outbox.f.sent_at"), b.T("outbox.f.body")})
	for _, m := range list {
		cust, sent := "", ""
		if m.CustomerID != nil {
			cust = strconv.FormatInt(*m.CustomerID, 10)
		}
		if m.SentAt != nil {
			sent = b.Time(m.SentAt)
		}
		cw.Write([]string{strconv.FormatInt(m.ID, 10), b.Time(m.CreatedAt), b.Enum("message_channel", m.Channel),
			b.Enum("message_purpose", m.Purpose), cust, b.OutboxTo(m), m.Template, b.Enum("message_status", m.Status),
			strconv.Itoa(m.Attempts), m.LastError, m.ProviderID, sent, csvSafe(b.OutboxText(m.Body))})
	}
	cw.Flush()
	return cw.Error()
}

func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) error {
	qs := r.URL.Query()
	q := outboxQuery(qs)
	v := &outboxListView{Base: h.outboxBase(r, "outbox.title"), Q: q}
	var err error
	v.Items, v.Counts, err = h.app.Outbox.List(r.Context(), actor(r), q)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindInvalid {
			v.setError(guanxi.AsError(err))
			return h.render(w, r, http.StatusBadRequest, "outbox", v)
		}
		return err
	}
	if len(v.Items) == q.Limit {
		next := url.Values{}
		for k, vs := range qs {
			next[k] = vs
		}
		next.Set("cursor", strconv.FormatInt(v.Items[len(v.Items)-1].ID, 10))
		v.Next = next.Encode()
	}
	return h.render(w, r, http.StatusOK, "outbox", v)
}

type outboxMessageView struct {
	Base
	M        outbox.Stored
	Attempts []outbox.Attempt
}

// CanCancel and CanRetry decide the buttons.
func (v *outboxMessageView) CanCancel() bool {
	return v.Can(string(guanxi.PermCareAdmin)) && (v.M.Status == outbox.StatusQueued || v.M.Status == outbox.StatusFailed)
}
func (v *outboxMessageView) CanRetry() bool {
	return v.Can(string(guanxi.PermCareAdmin)) && (v.M.Status == outbox.StatusDead || v.M.Status == outbox.StatusFailed)
}

func (h *Handler) outboxShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, at, err := h.app.Outbox.Get(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "outbox_message", &outboxMessageView{Base: h.outboxBase(r, "outbox.message"), M: m, Attempts: at})
}

func (h *Handler) outboxAction(w http.ResponseWriter, r *http.Request, fn func(guanxi.ID, int64) error, flash string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := fn(id, version); err != nil {
		m, at, gerr := h.app.Outbox.Get(r.Context(), actor(r), id)
		if gerr != nil {
			return gerr
		}
		return h.formError(w, r, err, "outbox_message", &outboxMessageView{Base: h.outboxBase(r, "outbox.message"), M: m, Attempts: at})
	}
	h.flash(r.Context(), flash)
	return redirect(w, r, "/outbox/"+strconv.FormatInt(id, 10))
}

func (h *Handler) outboxCancel(w http.ResponseWriter, r *http.Request) error {
	return h.outboxAction(w, r, func(id guanxi.ID, v int64) error { return h.app.Outbox.Cancel(r.Context(), actor(r), id, v) },
		"outbox.flash.cancelled")
}

func (h *Handler) outboxRetry(w http.ResponseWriter, r *http.Request) error {
	return h.outboxAction(w, r, func(id guanxi.ID, v int64) error { return h.app.Outbox.Retry(r.Context(), actor(r), id, v) },
		"outbox.flash.retried")
}

type outboxTemplatesView struct {
	Base
	Templates []outbox.Template
	T1        *outbox.Template // the one being edited
	Subject   string           // preview
	Body      string
}

// Variables lists the placeholders a template may use.
func (v *outboxTemplatesView) Variables() []string { return outbox.Variables }

func (h *Handler) outboxTemplates(w http.ResponseWriter, r *http.Request) error {
	list, err := h.app.Outbox.Templates(r.Context(), actor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "outbox_templates", &outboxTemplatesView{Base: h.outboxBase(r, "outbox.templates"), Templates: list})
}

func (h *Handler) outboxTemplateView(r *http.Request, t outbox.Template) *outboxTemplatesView {
	v := &outboxTemplatesView{Base: h.outboxBase(r, "outbox.template"), T1: &t}
	v.Subject, v.Body = outbox.Preview(t)
	return v
}

func (h *Handler) outboxTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	key, locale := r.PathValue("key"), r.PathValue("locale")
	t, err := h.app.Outbox.Template(r.Context(), actor(r), key, locale)
	if guanxi.KindOf(err) == guanxi.KindNotFound && r.URL.Query().Get("new") == "1" {
		t, err = outbox.Template{Key: key, Locale: locale}, nil
	}
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "outbox_templates", h.outboxTemplateView(r, t))
}

func (h *Handler) outboxTemplateSave(w http.ResponseWriter, r *http.Request) error {
	t := outbox.Template{Key: r.PathValue("key"), Locale: r.PathValue("locale"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if r.PostFormValue("preview") != "" {
		t.Version = version
		return h.render(w, r, http.StatusOK, "outbox_templates", h.outboxTemplateView(r, t))
	}
	if err := h.app.Outbox.SaveTemplate(r.Context(), actor(r), &t, version); err != nil {
		t.Version = version
		return h.formError(w, r, err, "outbox_templates", h.outboxTemplateView(r, t))
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/outbox/templates")
}

type outboxChannelsView struct {
	Base
	C       outbox.Config
	Version int64
	Headers string // one "Name: value" per line
	TestID  string
}

// RatePerMinute is the cap of channel (0: none).
func (v *outboxChannelsView) RatePerMinute(ch string) int { return v.C.RatePerMinute[ch] }

func (h *Handler) outboxChannelsView(r *http.Request, c outbox.Config, version int64) *outboxChannelsView {
	v := &outboxChannelsView{Base: h.outboxBase(r, "outbox.channels"), C: c, Version: version}
	var lines []string
	for k, val := range c.SMS.Headers {
		lines = append(lines, k+": "+val)
	}
	sortStrings(lines)
	v.Headers = strings.Join(lines, "\n")
	return v
}

func sortStrings(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

func (h *Handler) outboxChannels(w http.ResponseWriter, r *http.Request) error {
	c, v, err := h.app.Outbox.Channels(r.Context(), actor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "outbox_channels", h.outboxChannelsView(r, c, v))
}

func readChannelsForm(r *http.Request) (outbox.Config, guanxi.Fields) {
	var bad guanxi.Fields
	atoi := func(name string) int {
		s := strings.TrimSpace(r.PostFormValue(name))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			bad.Add(name, "validation.number")
		}
		return n
	}
	c := outbox.Config{
		SMTP: outbox.SMTPConfig{Host: r.PostFormValue("smtp.host"), Port: atoi("smtp.port"), Username: r.PostFormValue("smtp.username"),
			Password: r.PostFormValue("smtp.password"), From: strings.TrimSpace(r.PostFormValue("smtp.from")), TLS: r.PostFormValue("smtp.tls")},
		SMS: outbox.SMSConfig{Kind: r.PostFormValue("sms.kind"), URL: strings.TrimSpace(r.PostFormValue("sms.url")),
			Method: r.PostFormValue("sms.method"), BodyTemplate: r.PostFormValue("sms.body_template"),
			Secret: r.PostFormValue("sms.secret"), Headers: map[string]string{}},
		RatePerMinute: map[string]int{},
		MaxAttempts:   atoi("max_attempts"),
		PublicURL:     strings.TrimSpace(r.PostFormValue("public_url")),
		OrgName:       strings.TrimSpace(r.PostFormValue("org_name")),
	}
	for _, ch := range outbox.Channels {
		c.RatePerMinute[ch] = atoi("rate." + ch)
	}
	for _, line := range strings.Split(r.PostFormValue("sms.headers"), "\n") {
		k, val, ok := strings.Cut(line, ":")
		if k = strings.TrimSpace(k); ok && k != "" {
			c.SMS.Headers[k] = strings.TrimSpace(val)
		}
	}
	return c, bad
}

func (h *Handler) outboxChannelsSave(w http.ResponseWriter, r *http.Request) error {
	c, bad := readChannelsForm(r)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err := bad.Err()
	if err == nil {
		err = h.app.Outbox.SaveChannels(r.Context(), actor(r), c, version,
			r.PostFormValue("smtp.clear_password") == "1", r.PostFormValue("sms.clear_secret") == "1")
	}
	if err != nil {
		return h.formError(w, r, err, "outbox_channels", h.outboxChannelsView(r, c.Public(), version))
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/outbox/channels")
}

func (h *Handler) outboxChannelsTest(w http.ResponseWriter, r *http.Request) error {
	id, err := h.app.Outbox.SendTest(r.Context(), actor(r), r.PostFormValue("channel"), strings.TrimSpace(r.PostFormValue("to")))
	c, v, cerr := h.app.Outbox.Channels(r.Context(), actor(r))
	if cerr != nil {
		return cerr
	}
	view := h.outboxChannelsView(r, c, v)
	if err != nil {
		return h.formError(w, r, err, "outbox_channels", view)
	}
	view.TestID = id
	return h.render(w, r, http.StatusOK, "outbox_channels", view)
}

type outboxSendView struct {
	Base
	M     outbox.Message
	Text  string
	Subj  string
	Cust  string
	Users string
}

// Templates lists the template keys for the send form.
func (v *outboxSendView) Templates() []string {
	var out []string
	for _, t := range outbox.Builtins() {
		if t.Locale == "zh-CN" {
			out = append(out, t.Key)
		}
	}
	return out
}

func (h *Handler) outboxSendPage(w http.ResponseWriter, r *http.Request) error {
	v := &outboxSendView{Base: h.outboxBase(r, "outbox.send"), M: outbox.Message{Channel: outbox.ChannelSMS,
		Purpose: outbox.PurposeService, Template: "message.manual", Locale: h.lang(r)}}
	v.Cust = r.URL.Query().Get("customer_id")
	return h.render(w, r, http.StatusOK, "outbox_send", v)
}

func (h *Handler) outboxSend(w http.ResponseWriter, r *http.Request) error {
	v := &outboxSendView{Base: h.outboxBase(r, "outbox.send"), Text: r.PostFormValue("text"), Subj: r.PostFormValue("subject"),
		Cust: r.PostFormValue("customer_id"), Users: r.PostFormValue("user_id")}
	m := outbox.Message{Channel: r.PostFormValue("channel"), Purpose: r.PostFormValue("purpose"),
		Template: r.PostFormValue("template"), Locale: r.PostFormValue("locale"),
		Vars: map[string]string{"text": v.Text, "subject": v.Subj}}
	if id := formID(r, "customer_id"); id != 0 && m.Channel != outbox.ChannelInApp {
		m.CustomerID = &id
	}
	if id := formID(r, "user_id"); id != 0 && m.Channel == outbox.ChannelInApp {
		m.UserID = &id
	}
	v.M = m
	var bad guanxi.Fields
	if utf8.RuneCountInString(v.Text) > 1000 {
		bad.Add("text", "validation.too_long", map[string]any{"max": 1000})
	}
	err := bad.Err()
	var id guanxi.ID
	if err == nil {
		id, _, err = h.app.Outbox.Send(r.Context(), actor(r), m)
	}
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			err = guanxi.Invalid(guanxi.Field("customer_id", "validation.customer_scope"))
		}
		return h.formError(w, r, err, "outbox_send", v)
	}
	h.flash(r.Context(), "outbox.flash.queued")
	return redirect(w, r, "/outbox/"+strconv.FormatInt(id, 10))
}

type unsubscribeView struct {
	Base
	Token   string
	Name    string
	Channel string
	Done    bool
	Message string
}

// maskName keeps the first character of a name.
func maskName(s string) string {
	r := []rune(s)
	if len(r) <= 1 {
		return s
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

func (h *Handler) unsubscribeView(r *http.Request) *unsubscribeView {
	v := &unsubscribeView{Base: h.base(r, "outbox.unsubscribe.title", ""), Token: r.PathValue("token")}
	v.Here = r.URL.Path
	name, ch, err := h.app.Outbox.UnsubscribeTarget(r.Context(), v.Token)
	if err != nil {
		v.Message = v.T("outbox.error.bad_link")
		return v
	}
	v.Name, v.Channel = maskName(name), ch
	return v
}

func (h *Handler) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	v := h.unsubscribeView(r)
	w.Header().Set("X-Robots-Tag", "noindex")
	status := http.StatusOK
	if v.Message != "" {
		status = http.StatusNotFound
	}
	return h.renderBlock(w, r, status, "outbox_unsubscribe", "public", v)
}

func (h *Handler) unsubscribeConfirm(w http.ResponseWriter, r *http.Request) error {
	v := h.unsubscribeView(r)
	w.Header().Set("X-Robots-Tag", "noindex")
	if v.Message != "" {
		return h.renderBlock(w, r, http.StatusNotFound, "outbox_unsubscribe", "public", v)
	}
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	if _, err := h.app.Outbox.UnsubscribeLink(r.Context(), v.Token, addr); err != nil {
		return err
	}
	v.Done = true
	return h.renderBlock(w, r, http.StatusOK, "outbox_unsubscribe", "public", v)
}

// TLSModes, SMSKinds and Methods are the choices of the channel form.
func (v *outboxChannelsView) TLSModes() []string {
	return []string{outbox.TLSStartTLS, outbox.TLSImplicit, outbox.TLSNone}
}
func (v *outboxChannelsView) SMSKinds() []string { return []string{outbox.SMSLog, outbox.SMSHTTP} }
func (v *outboxChannelsView) Methods() []string  { return []string{"POST", "PUT", "GET"} }
