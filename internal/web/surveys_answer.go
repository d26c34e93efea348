package web

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// surveyCustomerView is a customer's surveys: send one, the requests sent
// and the answers with their scores and complaints.
type surveyCustomerView struct {
	Base
	C         customer.Customer // masked
	Templates []survey.Template
	Requests  []survey.Request
	Answers   []survey.Answer
	Names     map[guanxi.ID]string // template names
	// NewLink is the full address of a link just created; the token is
	// shown this once and never stored.
	NewLink    string
	TemplateID guanxi.ID
}

func (h *Handler) loadSurveyCustomer(r *http.Request, title string) (*surveyCustomerView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx, a := r.Context(), actor(r)
	c, err := h.app.Customers.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v := &surveyCustomerView{Base: h.base(r, title, "customers"), C: c.Mask(), Names: map[guanxi.ID]string{}}
	if v.Templates, err = h.app.Surveys.Templates(ctx, a, false); err != nil {
		return nil, err
	}
	for _, t := range v.Templates {
		v.Names[t.ID] = t.Name
	}
	if v.Requests, err = h.app.Surveys.Requests(ctx, a, id, 50); err != nil {
		return nil, err
	}
	if v.Answers, err = h.app.Surveys.Answers(ctx, a, id, 50); err != nil {
		return nil, err
	}
	for _, x := range v.Answers {
		v.Names[x.TemplateID] = x.TemplateName
	}
	return v, nil
}

func (h *Handler) customerSurveys(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadSurveyCustomer(r, "web.survey.customer_title")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey_customer", v)
}

// customerSurveySend creates a link (shown once to copy) or starts a call.
func (h *Handler) customerSurveySend(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tid := formID(r, "template_id")
	ch := survey.Channel(r.PostFormValue("channel"))
	req, err := h.app.Surveys.Send(r.Context(), actor(r), id, tid, ch)
	if err != nil {
		if k := guanxi.KindOf(err); k != guanxi.KindInvalid {
			return err
		}
		v, lerr := h.loadSurveyCustomer(r, "web.survey.customer_title")
		if lerr != nil {
			return lerr
		}
		v.TemplateID = tid
		return h.formError(w, r, err, "survey_customer", v)
	}
	if ch == survey.ChannelPhone {
		return redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"/surveys/"+strconv.FormatInt(req.ID, 10))
	}
	v, err := h.loadSurveyCustomer(r, "web.survey.customer_title")
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	v.NewLink = scheme + "://" + r.Host + "/s/" + req.Token
	v.TemplateID = tid
	return h.render(w, r, http.StatusCreated, "survey_customer", v)
}

// surveyAnswerView is the answer form: the agent's (with the script of each
// item) or the customer's public page (no navigation, masked greeting).
type surveyAnswerView struct {
	Base
	C        customer.Customer // masked; empty on the public page
	Req      survey.Request
	V        survey.Version
	Typed    survey.Input
	Comment  string
	Public   bool
	Greeting string
	Token    string
	Action   string
	Done     bool
	Message  string // a translated reason the link cannot be answered
}

// Value is what was typed for key.
func (v *surveyAnswerView) Value(key string) string { return v.Typed[key] }

// Is reports whether key was answered with value (radios keep their choice).
func (v *surveyAnswerView) Is(key string, value any) bool {
	return v.Typed[key] == toString(value)
}

func toString(x any) string {
	switch t := x.(type) {
	case int:
		return strconv.Itoa(t)
	case string:
		return t
	}
	return ""
}

func (h *Handler) customerSurveyAnswerPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadAnswerView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey_answer", v)
}

func (h *Handler) loadAnswerView(r *http.Request) (*surveyAnswerView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	sub, err := pathID(r, "sub")
	if err != nil {
		return nil, err
	}
	c, err := h.app.Customers.Get(r.Context(), actor(r), id)
	if err != nil {
		return nil, err
	}
	req, ver, err := h.app.Surveys.Request(r.Context(), actor(r), id, sub)
	if err != nil {
		return nil, err
	}
	v := &surveyAnswerView{Base: h.base(r, "web.survey.answer_title", "customers"), C: c.Mask(), Req: req, V: ver,
		Typed: survey.Input{}, Action: r.URL.Path, Done: req.AnswerID != nil}
	v.labels()
	return v, nil
}

// labels names each answer field by its question for the error list.
func (v *surveyAnswerView) labels() {
	v.Labels = map[string]string{"comment": v.T("web.survey.comment")}
	for _, it := range v.V.Items {
		v.Labels["answers."+it.Key] = it.Text(v.Lang)
	}
}

func readAnswers(r *http.Request, ver survey.Version) survey.Input {
	in := survey.Input{}
	for _, it := range ver.Items {
		in[it.Key] = r.PostFormValue("a." + it.Key)
	}
	return in
}

func (h *Handler) customerSurveyAnswer(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadAnswerView(r)
	if err != nil {
		return err
	}
	v.Typed, v.Comment = readAnswers(r, v.V), r.PostFormValue("comment")
	ans, err := h.app.Surveys.Answer(r.Context(), actor(r), v.C.ID, v.Req.ID, v.Typed, v.Comment)
	if err != nil {
		return h.formError(w, r, err, "survey_answer", v)
	}
	key := "web.survey.answered"
	if ans.TicketNumber != "" {
		key = "web.survey.answered_complaint"
	}
	h.flash(r.Context(), key)
	return redirect(w, r, "/customers/"+strconv.FormatInt(v.C.ID, 10)+"/surveys")
}

func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// publicSurvey is the customer's page: phone-sized, no sign-in, no staff
// navigation, only the questions and a masked greeting.
func (h *Handler) publicSurvey(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	v := &surveyAnswerView{Base: h.base(r, "web.survey.public_title", ""), Public: true, Token: token,
		Typed: survey.Input{}, Action: "/s/" + token}
	f, err := h.app.Surveys.Public(r.Context(), token, remoteHost(r))
	if err != nil {
		return h.publicClosed(w, r, v, err)
	}
	v.Req, v.V, v.Greeting = f.Request, f.Version, f.Greeting
	v.labels()
	return h.renderBlock(w, r, http.StatusOK, "survey_answer", "public", v)
}

func (h *Handler) publicSurveyAnswer(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	v := &surveyAnswerView{Base: h.base(r, "web.survey.public_title", ""), Public: true, Token: token,
		Action: "/s/" + token, Typed: survey.Input{}, Comment: r.PostFormValue("comment")}
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	for k := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "a."); ok {
			v.Typed[key] = r.PostForm.Get(k)
		}
	}
	_, err := h.app.Surveys.PublicAnswer(r.Context(), token, remoteHost(r), v.Typed, v.Comment)
	if err == nil {
		v.Done, v.Message = true, v.T("web.survey.thanks")
		return h.renderBlock(w, r, http.StatusOK, "survey_answer", "public", v)
	}
	e := guanxi.AsError(err)
	if e.Kind != guanxi.KindInvalid {
		return h.publicClosed(w, r, v, err)
	}
	// Only a form with mistakes loads the questions again to show them.
	f, ferr := h.app.Surveys.Public(r.Context(), token, remoteHost(r))
	if ferr != nil {
		return h.publicClosed(w, r, v, ferr)
	}
	v.Req, v.V, v.Greeting = f.Request, f.Version, f.Greeting
	v.labels()
	v.setError(e)
	return h.renderBlock(w, r, response.Status(err), "survey_answer", "public", v)
}

// publicClosed tells the customer why the link cannot be answered, on the
// same bare page (never the staff error page).
func (h *Handler) publicClosed(w http.ResponseWriter, r *http.Request, v *surveyAnswerView, err error) error {
	e := guanxi.AsError(err)
	status := response.Status(err)
	if status >= 500 {
		return err
	}
	v.Done, v.Message = true, v.T(e.Key, e.Args)
	return h.renderBlock(w, r, status, "survey_answer", "public", v)
}
