package api

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// SurveyItemIO is one question of a template.
type SurveyItemIO struct {
	Key      string   `json:"key,omitempty" doc:"Stable key across versions; generated when empty"`
	Type     string   `json:"type" enum:"scale_5,scale_10,nps,yes_no,choice,text"`
	TextZh   string   `json:"text_zh"`
	TextEn   string   `json:"text_en,omitempty"`
	Script   string   `json:"script,omitempty" doc:"话术 the agent reads on a call"`
	Required bool     `json:"required,omitempty"`
	Choices  []string `json:"choices,omitempty" doc:"For choice items"`
}

// SurveyTemplateIO is a template with its current version's items.
type SurveyTemplateIO struct {
	ID          guanxi.ID      `json:"id,omitempty" readOnly:"true"`
	OrgUnitID   guanxi.ID      `json:"org_unit_id,omitempty" doc:"Owning unit; defaults to the caller's"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Status      string         `json:"status,omitempty" enum:"active,archived"`
	Revision    int            `json:"revision,omitempty" readOnly:"true" doc:"Current version number; answers keep theirs"`
	Items       []SurveyItemIO `json:"items"`
	Version     int64          `json:"version,omitempty" readOnly:"true"`
}

func templateOut(t survey.Template) SurveyTemplateIO {
	out := SurveyTemplateIO{ID: t.ID, OrgUnitID: t.OrgUnitID, Name: t.Name, Description: t.Description,
		Status: string(t.Status), Revision: t.Revision, Version: t.Version, Items: []SurveyItemIO{}}
	for _, it := range t.Items {
		out.Items = append(out.Items, SurveyItemIO{Key: it.Key, Type: string(it.Type), TextZh: it.TextZh, TextEn: it.TextEn,
			Script: it.Script, Required: it.Required, Choices: it.Choices})
	}
	return out
}

func (in SurveyTemplateIO) apply(t *survey.Template) {
	t.Name, t.Description, t.Status = in.Name, in.Description, survey.Status(in.Status)
	if in.OrgUnitID != 0 {
		t.OrgUnitID = in.OrgUnitID
	}
	t.Items = nil
	for _, it := range in.Items {
		t.Items = append(t.Items, survey.Item{Key: it.Key, Type: survey.ItemType(it.Type), TextZh: it.TextZh, TextEn: it.TextEn,
			Script: it.Script, Required: it.Required, Choices: it.Choices})
	}
}

// SurveyRequestIO is a survey sent to a customer. Token and URL are only
// in the answer to the request that created a link: only a hash is kept.
type SurveyRequestIO struct {
	ID         guanxi.ID  `json:"id"`
	TemplateID guanxi.ID  `json:"template_id"`
	Channel    string     `json:"channel"`
	Token      string     `json:"token,omitempty"`
	URL        string     `json:"url,omitempty" doc:"Path of the public answer page"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	CreatedBy  guanxi.ID  `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	AnswerID   *guanxi.ID `json:"answer_id,omitempty"`
}

func requestOut(r survey.Request) SurveyRequestIO {
	out := SurveyRequestIO{ID: r.ID, TemplateID: r.TemplateID, Channel: string(r.Channel), Token: r.Token,
		ExpiresAt: r.ExpiresAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, AnsweredAt: r.AnsweredAt, AnswerID: r.AnswerID}
	if r.Token != "" {
		out.URL = "/s/" + r.Token
	}
	return out
}

// SurveyAnswerIO is a submitted answer.
type SurveyAnswerIO struct {
	ID           guanxi.ID         `json:"id"`
	RequestID    guanxi.ID         `json:"request_id"`
	TemplateID   guanxi.ID         `json:"template_id"`
	TemplateName string            `json:"template_name"`
	Revision     int               `json:"revision"`
	Channel      string            `json:"channel"`
	StaffID      guanxi.ID         `json:"staff_id"`
	Comment      string            `json:"comment"`
	Score        *float64          `json:"score,omitempty" doc:"Lowest item score normalised to 0–100"`
	Low          bool              `json:"low"`
	TicketID     *guanxi.ID        `json:"ticket_id,omitempty"`
	TicketNumber string            `json:"ticket_number,omitempty"`
	AnsweredAt   time.Time         `json:"answered_at"`
	Values       []survey.Value    `json:"values,omitempty"`
	Answers      map[string]string `json:"-"`
}

func answerOut(a survey.Answer) SurveyAnswerIO {
	return SurveyAnswerIO{ID: a.ID, RequestID: a.RequestID, TemplateID: a.TemplateID, TemplateName: a.TemplateName,
		Revision: a.Revision, Channel: string(a.Channel), StaffID: a.StaffID, Comment: a.Comment, Score: a.Score,
		Low: a.Low, TicketID: a.TicketID, TicketNumber: a.TicketNumber, AnsweredAt: a.AnsweredAt, Values: a.Values}
}

// SurveySubmitIO is a set of answers by item key.
type SurveySubmitIO struct {
	Answers map[string]string `json:"answers" doc:"Item key → score (as text), yes/no, the choice or free text"`
	Comment string            `json:"comment,omitempty"`
}

type surveySendIO struct {
	TemplateID guanxi.ID `json:"template_id"`
	Channel    string    `json:"channel" enum:"link,phone"`
}

type templateList struct {
	Manage bool `query:"manage" doc:"Templates the caller may edit (survey.admin) instead of those it may send"`
}

type templateWrite struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    SurveyTemplateIO
}

// publicToken is a public link call; addr is the caller, for the rate limit.
type publicToken struct {
	Token string `path:"token"`
	addr  string
}

func (p *publicToken) Resolve(ctx huma.Context) []error {
	p.addr = hostOf(ctx.RemoteAddr())
	return nil
}

type publicSubmit struct {
	Token string `path:"token"`
	addr  string
	Body  SurveySubmitIO
}

func (p *publicSubmit) Resolve(ctx huma.Context) []error {
	p.addr = hostOf(ctx.RemoteAddr())
	return nil
}

func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// PublicSurveyIO is what a link shows: the questions and a masked greeting,
// nothing else about the customer.
type PublicSurveyIO struct {
	Greeting string         `json:"greeting"`
	Name     string         `json:"name"`
	Items    []SurveyItemIO `json:"items"`
}

// SurveyReportIO is a follow-up report.
type SurveyReportIO struct {
	Period string              `json:"period"`
	From   time.Time           `json:"from"`
	To     time.Time           `json:"to"`
	Total  SurveyGroupIO       `json:"total"`
	Groups []SurveyGroupIO     `json:"groups"`
	Items  []SurveyItemStatsIO `json:"items"`
	Trend  []SurveyGroupIO     `json:"trend"`
}

// SurveyGroupIO is the counts of a team, a staff member, a period or the total.
type SurveyGroupIO struct {
	ID         guanxi.ID `json:"id,omitempty"`
	Name       string    `json:"name,omitempty"`
	Period     string    `json:"period,omitempty"`
	Sent       int64     `json:"sent"`
	Answered   int64     `json:"answered"`
	Completion *float64  `json:"completion,omitempty" doc:"answered ÷ sent, %"`
	Low        int64     `json:"low"`
	CSAT       *float64  `json:"csat,omitempty" doc:"satisfied share, %"`
	NPS        *float64  `json:"nps,omitempty" doc:"% promoters − % detractors"`
}

// SurveyItemStatsIO is the counts of one item.
type SurveyItemStatsIO struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	Text     string   `json:"text,omitempty"`
	Answers  int64    `json:"answers"`
	CSAT     *float64 `json:"csat,omitempty"`
	NPS      *float64 `json:"nps,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	YesShare *float64 `json:"yes_share,omitempty"`
}

func pct(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func groupOut(g survey.GroupStats) SurveyGroupIO {
	return SurveyGroupIO{ID: g.ID, Name: g.Name, Sent: g.Sent, Answered: g.Answered, Completion: pct(g.Completion()),
		Low: g.Low, CSAT: pct(g.CSAT()), NPS: pct(g.NPS())}
}

type reportIn struct {
	Period     string    `query:"period" enum:"week,month" default:"week"`
	At         string    `query:"at" doc:"A day in the period, YYYY-MM-DD (default today)"`
	By         string    `query:"by" enum:"team,staff," doc:"Group by team or staff"`
	TemplateID guanxi.ID `query:"template_id"`
}

// Shanghai is the calendar of report periods.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

func (h *Handler) surveyRoutes(api humaAPI) {
	sv := h.app.Surveys
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/survey-templates", ID: "list-survey-templates", Perm: guanxi.PermCustomerRead},
		"Survey templates the caller may send (or edit, with manage=true)", func(ctx context.Context, a guanxi.Actor, in *templateList) (*many[SurveyTemplateIO], error) {
			list, err := sv.Templates(ctx, a, in.Manage)
			if err != nil {
				return nil, err
			}
			out := &many[SurveyTemplateIO]{Body: []SurveyTemplateIO{}}
			for _, t := range list {
				out.Body = append(out.Body, templateOut(t))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/survey-templates", ID: "create-survey-template", Perm: guanxi.PermSurveyAdmin},
		"Create a survey template", func(ctx context.Context, a guanxi.Actor, in *struct{ Body SurveyTemplateIO }) (*one[SurveyTemplateIO], error) {
			var t survey.Template
			in.Body.apply(&t)
			if err := sv.CreateTemplate(ctx, a, &t); err != nil {
				return nil, err
			}
			return &one[SurveyTemplateIO]{ETag: etag(t.Version), Body: templateOut(t)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/survey-templates/{id}", ID: "get-survey-template", Perm: guanxi.PermSurveyAdmin},
		"Get a survey template", func(ctx context.Context, a guanxi.Actor, in *idPath) (*one[SurveyTemplateIO], error) {
			t, err := sv.Template(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[SurveyTemplateIO]{ETag: etag(t.Version), Body: templateOut(t)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/survey-templates/{id}", ID: "update-survey-template", Perm: guanxi.PermSurveyAdmin},
		"Replace a survey template (If-Match required); a sent version is kept and a new one made", func(ctx context.Context, a guanxi.Actor, in *templateWrite) (*one[SurveyTemplateIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			t, err := sv.UpdateTemplate(ctx, a, in.ID, v, func(t *survey.Template) error { in.Body.apply(t); return nil })
			if err != nil {
				return nil, err
			}
			return &one[SurveyTemplateIO]{ETag: etag(t.Version), Body: templateOut(t)}, nil
		})

	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/survey-requests", ID: "create-survey-request", Perm: guanxi.PermCustomerWrite},
		"Send a survey: a one-time link (token shown once) or a phone call", func(ctx context.Context, a guanxi.Actor, in *subCreate[surveySendIO]) (*one[SurveyRequestIO], error) {
			r, err := sv.Send(ctx, a, in.ID, in.Body.TemplateID, survey.Channel(in.Body.Channel))
			if err != nil {
				return nil, err
			}
			return &one[SurveyRequestIO]{ETag: etag(r.Version), Body: requestOut(r)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/survey-requests", ID: "list-survey-requests", Perm: guanxi.PermCustomerRead},
		"Surveys sent to a customer", func(ctx context.Context, a guanxi.Actor, in *listLimit) (*many[SurveyRequestIO], error) {
			list, err := sv.Requests(ctx, a, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &many[SurveyRequestIO]{Body: []SurveyRequestIO{}}
			for _, r := range list {
				out.Body = append(out.Body, requestOut(r))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/customers/{id}/survey-requests/{sub}/answer", ID: "answer-survey-request", Perm: guanxi.PermCustomerWrite},
		"Record the answers collected by an agent (once per request)", func(ctx context.Context, a guanxi.Actor, in *subWrite[SurveySubmitIO]) (*one[SurveyAnswerIO], error) {
			ans, err := sv.Answer(ctx, a, in.ID, in.SubID, survey.Input(in.Body.Answers), in.Body.Comment)
			if err != nil {
				return nil, err
			}
			return &one[SurveyAnswerIO]{ETag: etag(ans.Version), Body: answerOut(ans)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/survey-answers", ID: "list-survey-answers", Perm: guanxi.PermCustomerRead},
		"A customer's survey answers", func(ctx context.Context, a guanxi.Actor, in *listLimit) (*many[SurveyAnswerIO], error) {
			list, err := sv.Answers(ctx, a, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &many[SurveyAnswerIO]{Body: []SurveyAnswerIO{}}
			for _, x := range list {
				out.Body = append(out.Body, answerOut(x))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/survey-answers/{sub}", ID: "get-survey-answer", Perm: guanxi.PermCustomerRead},
		"One answer with its item values", func(ctx context.Context, a guanxi.Actor, in *subPath) (*one[SurveyAnswerIO], error) {
			x, _, err := sv.GetAnswer(ctx, a, in.ID, in.SubID)
			if err != nil {
				return nil, err
			}
			return &one[SurveyAnswerIO]{ETag: etag(x.Version), Body: answerOut(x)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/survey-report", ID: "survey-report", Perm: guanxi.PermSurveyAdmin},
		"Follow-up report (回访周报/月报) of the caller's scope with the trend of 8 periods", func(ctx context.Context, a guanxi.Actor, in *reportIn) (*struct{ Body SurveyReportIO }, error) {
			q := survey.ReportQuery{Kind: survey.PeriodKind(in.Period), Loc: shanghai, By: in.By, TemplateID: in.TemplateID, Lang: a.Lang}
			if in.At != "" {
				at, err := time.ParseInLocation(time.DateOnly, in.At, shanghai)
				if err != nil {
					return nil, guanxi.Invalid(guanxi.Field("at", "validation.date"))
				}
				q.At = at
			}
			rep, err := sv.Report(ctx, a, q)
			if err != nil {
				return nil, err
			}
			out := SurveyReportIO{Period: rep.Period.Label, From: rep.Period.From, To: rep.Period.To, Total: groupOut(rep.Total),
				Groups: []SurveyGroupIO{}, Items: []SurveyItemStatsIO{}, Trend: []SurveyGroupIO{}}
			for _, g := range rep.Groups {
				out.Groups = append(out.Groups, groupOut(g))
			}
			for _, it := range rep.Items {
				m, ok := it.Mean()
				out.Items = append(out.Items, SurveyItemStatsIO{Key: it.Key, Type: string(it.Type), Text: it.Text,
					Answers: it.Scored + it.NPSN + it.YesN, CSAT: pct(it.CSAT()), NPS: pct(it.NPS()), Mean: pct(m, ok),
					YesShare: pct(it.YesShare())})
			}
			for _, p := range rep.Trend {
				g := groupOut(p.GroupStats)
				g.Period = p.Period.Label
				out.Trend = append(out.Trend, g)
			}
			return &struct{ Body SurveyReportIO }{Body: out}, nil
		})

	// The customer's own link: no sign-in, rate-limited per address.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/public/surveys/{token}", ID: "public-survey-form", Public: true},
		"Open a survey link (no sign-in)", func(ctx context.Context, _ guanxi.Actor, in *publicToken) (*struct{ Body PublicSurveyIO }, error) {
			f, err := sv.Public(ctx, in.Token, in.addr)
			if err != nil {
				return nil, err
			}
			out := PublicSurveyIO{Greeting: f.Greeting, Name: f.Version.Name, Items: []SurveyItemIO{}}
			for _, it := range f.Version.Items {
				out.Items = append(out.Items, SurveyItemIO{Key: it.Key, Type: string(it.Type), TextZh: it.TextZh, TextEn: it.TextEn,
					Required: it.Required, Choices: it.Choices})
			}
			return &struct{ Body PublicSurveyIO }{Body: out}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/public/surveys/{token}", ID: "public-survey-answer", Public: true},
		"Answer a survey link once (no sign-in)", func(ctx context.Context, _ guanxi.Actor, in *publicSubmit) (*noContent, error) {
			_, err := sv.PublicAnswer(ctx, in.Token, in.addr, survey.Input(in.Body.Answers), in.Body.Comment)
			return &noContent{}, err
		})
}
