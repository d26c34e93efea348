package survey

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// Store is what the survey service needs from storage. Reads of customer
// data (requests, answers, reports) apply the actor's customer scope in the
// query; templates apply the org-unit rule (use: the owning unit is the
// actor's unit, an ancestor or a descendant; manage: the owning unit is in
// the actor's subtree). Anything outside is NotFound.
type Store interface {
	ListTemplates(ctx context.Context, a guanxi.Actor, manage bool) ([]Template, error)
	GetTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, manage bool) (Template, error)
	// CreateTemplate stores t with its first version; the owning unit must
	// be in the actor's subtree.
	CreateTemplate(ctx context.Context, a guanxi.Actor, t *Template) error
	// UpdateTemplate saves t at version: items go into the current version
	// when it was never used, else into a new version (Revision+1).
	UpdateTemplate(ctx context.Context, a guanxi.Actor, t *Template, version int64) error
	TemplateVersion(ctx context.Context, id guanxi.ID) (Version, error)

	// CreateRequest stores r for a customer in the actor's scope.
	CreateRequest(ctx context.Context, a guanxi.Actor, r *Request) error
	GetRequest(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Request, error)
	ListRequests(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Request, error)
	// RequestByToken finds a link request by token hash, with no scope: the
	// token is the capability. It also returns the customer's name for the
	// masked greeting.
	RequestByToken(ctx context.Context, hash string) (Request, string, error)
	// SubmitAnswer stores ans for its request in one transaction: the
	// request must be unanswered (else Conflict survey.request_answered)
	// and, when scoped, its customer in the actor's scope.
	SubmitAnswer(ctx context.Context, a guanxi.Actor, ans *Answer, scoped bool) error
	// SetAnswerTicket records the complaint opened for a low answer, once.
	SetAnswerTicket(ctx context.Context, a guanxi.Actor, answerID, ticketID guanxi.ID, number string) error
	// LowWithoutTicket lists low answers older than before with no complaint yet.
	LowWithoutTicket(ctx context.Context, before time.Time, limit int) ([]Answer, error)

	ListAnswers(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Answer, error)
	GetAnswer(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Answer, error)

	SurveyStats(ctx context.Context, a guanxi.Actor, q StatsQuery) (Stats, error)
}

// ComplaintOpener opens a complaint for a low-score answer. It is idempotent
// per answerID and returns the ticket id and number. *ticket.Service
// implements it.
type ComplaintOpener interface {
	OpenComplaintFromSurvey(ctx context.Context, a guanxi.Actor, customerID, answerID guanxi.ID, score float64, summary string) (guanxi.ID, string, error)
}

// Settings reads integer settings (*settings.Service).
type Settings interface {
	Int(ctx context.Context, key string) int
}

// Service is the survey use cases.
type Service struct {
	Store    Store
	Settings Settings
	// Complaints opens complaints for low scores; nil skips with a log line
	// and the periodic job opens them once it is wired.
	Complaints ComplaintOpener
	// Limiter caps the public link endpoints per address (nil: no cap).
	Limiter *ratelimit.Limiter
	Log     *slog.Logger
	Now     guanxi.Clock
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) setting(ctx context.Context, key string) int {
	if s.Settings == nil {
		n, _ := strconv.Atoi(settings.Default(key))
		return n
	}
	return s.Settings.Int(ctx, key)
}

// Templates lists the templates the actor may send (manage false) or edit
// (manage true, survey.admin).
func (s *Service) Templates(ctx context.Context, a guanxi.Actor, manage bool) ([]Template, error) {
	p := guanxi.PermCustomerRead
	if manage {
		p = guanxi.PermSurveyAdmin
	}
	if err := need(a, p); err != nil {
		return nil, err
	}
	return s.Store.ListTemplates(ctx, a, manage)
}

// Template returns a template the actor may edit.
func (s *Service) Template(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Template, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return Template{}, err
	}
	return s.Store.GetTemplate(ctx, a, id, true)
}

// CreateTemplate validates and stores a new template owned by t.OrgUnitID
// (the actor's unit when unset).
func (s *Service) CreateTemplate(ctx context.Context, a guanxi.Actor, t *Template) error {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return err
	}
	if t.OrgUnitID == 0 {
		t.OrgUnitID = a.OrgUnitID
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	return s.Store.CreateTemplate(ctx, a, t)
}

// UpdateTemplate applies edit to the template at version. Answers keep
// pointing at the version they answered: once a version was sent, an edit
// makes a new one.
func (s *Service) UpdateTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(*Template) error) (Template, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return Template{}, err
	}
	t, err := s.Store.GetTemplate(ctx, a, id, true)
	if err != nil {
		return Template{}, err
	}
	if t.Version != version {
		return Template{}, guanxi.Stale(t.Version)
	}
	if err := edit(&t); err != nil {
		return Template{}, err
	}
	t.ID = id
	t.Normalize()
	if err := t.Validate(); err != nil {
		return Template{}, err
	}
	if err := s.Store.UpdateTemplate(ctx, a, &t, version); err != nil {
		return Template{}, err
	}
	return s.Store.GetTemplate(ctx, a, id, true)
}

// Send creates a request for a customer in scope: a one-time link (the
// plaintext token is on the returned request only) or a phone call.
func (s *Service) Send(ctx context.Context, a guanxi.Actor, customerID, templateID guanxi.ID, ch Channel) (Request, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Request{}, err
	}
	if ch != ChannelLink && ch != ChannelPhone {
		return Request{}, guanxi.Invalid(guanxi.Field("channel", "validation.enum"))
	}
	// The customer's scope is proven first, so an out-of-scope id answers
	// NotFound whatever the body says.
	if _, err := s.Store.ListRequests(ctx, a, customerID, 1); err != nil {
		return Request{}, err
	}
	if templateID == 0 {
		return Request{}, guanxi.Invalid(guanxi.Field("template_id", "validation.required"))
	}
	t, err := s.Store.GetTemplate(ctx, a, templateID, false)
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return Request{}, guanxi.Invalid(guanxi.Field("template_id", "survey.template_unknown"))
	} else if err != nil {
		return Request{}, err
	}
	if t.Status != Active {
		return Request{}, guanxi.Invalid(guanxi.Field("template_id", "survey.template_archived"))
	}
	r := Request{CustomerID: customerID, TemplateID: t.ID, VersionID: t.VersionID, Channel: ch,
		CreatedBy: a.UserID, OrgUnitID: a.OrgUnitID, CreatedAt: s.now()}
	if ch == ChannelLink {
		token, hash := NewToken()
		exp := s.now().Add(time.Duration(s.setting(ctx, settings.SurveyLinkExpiryDays)) * 24 * time.Hour)
		r.Token, r.TokenHash, r.ExpiresAt = token, &hash, &exp
	}
	if err := s.Store.CreateRequest(ctx, a, &r); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Request returns a request of a customer in scope with its version.
func (s *Service) Request(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Request, Version, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Request{}, Version{}, err
	}
	r, err := s.Store.GetRequest(ctx, a, customerID, id)
	if err != nil {
		return Request{}, Version{}, err
	}
	v, err := s.Store.TemplateVersion(ctx, r.VersionID)
	return r, v, err
}

// Requests lists a customer's latest requests.
func (s *Service) Requests(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Request, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListRequests(ctx, a, customerID, clamp(limit))
}

// Answer records the answers an agent collected for a request of a customer
// in scope (phone, or a link the customer answered aloud).
func (s *Service) Answer(ctx context.Context, a guanxi.Actor, customerID, requestID guanxi.ID, in Input, comment string) (Answer, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Answer{}, err
	}
	r, err := s.Store.GetRequest(ctx, a, customerID, requestID)
	if err != nil {
		return Answer{}, err
	}
	return s.submit(ctx, a, r, in, comment, true)
}

// PublicForm is what the customer's link shows: the version's items and a
// masked greeting. It reveals nothing else about the customer.
type PublicForm struct {
	Request  Request
	Version  Version
	Greeting string
}

// Public opens a link token for the customer. Unknown tokens are NotFound;
// used and expired ones say so.
func (s *Service) Public(ctx context.Context, token, addr string) (PublicForm, error) {
	if s.Limiter != nil && !s.Limiter.Allow(addr) {
		return PublicForm{}, &guanxi.Error{Kind: guanxi.KindTooMany, Key: "error.too_many"}
	}
	if !WellFormed(token) {
		return PublicForm{}, guanxi.NotFound("survey.link_invalid")
	}
	r, name, err := s.Store.RequestByToken(ctx, HashToken(token))
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return PublicForm{}, guanxi.NotFound("survey.link_invalid")
	} else if err != nil {
		return PublicForm{}, err
	}
	if r.AnswerID != nil {
		return PublicForm{}, guanxi.Conflict("survey.link_used", nil)
	}
	if r.Expired(s.now()) {
		return PublicForm{}, guanxi.NotFound("survey.link_expired")
	}
	v, err := s.Store.TemplateVersion(ctx, r.VersionID)
	if err != nil {
		return PublicForm{}, err
	}
	return PublicForm{Request: r, Version: v, Greeting: MaskName(name)}, nil
}

// PublicAnswer records the customer's own answers through a link. It acts
// as a system actor limited to this one request: nothing else is read.
func (s *Service) PublicAnswer(ctx context.Context, token, addr string, in Input, comment string) (Answer, error) {
	f, err := s.Public(ctx, token, addr)
	if err != nil {
		return Answer{}, err
	}
	a := guanxi.SystemActor("survey-link")
	a.Addr = addr
	return s.submit(ctx, a, f.Request, in, comment, false)
}

func (s *Service) submit(ctx context.Context, a guanxi.Actor, r Request, in Input, comment string, scoped bool) (Answer, error) {
	if r.AnswerID != nil {
		return Answer{}, guanxi.Conflict("survey.request_answered", nil)
	}
	if r.Expired(s.now()) {
		return Answer{}, guanxi.InvalidKey("survey.link_expired", nil)
	}
	v, err := s.Store.TemplateVersion(ctx, r.VersionID)
	if err != nil {
		return Answer{}, err
	}
	values, err := v.Check(in)
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > maxComment {
		f := guanxi.Fields{guanxi.FieldError{Field: "comment", Key: "validation.too_long", Args: map[string]any{"max": maxComment}}}
		if err != nil {
			f = append(guanxi.AsError(err).Fields, f...)
		}
		err = f.Err()
	}
	if err != nil {
		return Answer{}, err
	}
	score, lowest := derive(values)
	ans := Answer{RequestID: r.ID, CustomerID: r.CustomerID, TemplateID: r.TemplateID, TemplateName: v.Name,
		VersionID: r.VersionID, Revision: v.Revision, Channel: r.Channel, StaffID: r.CreatedBy,
		OrgUnitID: r.OrgUnitID, Comment: comment, Score: score, Values: values, AnsweredAt: s.now()}
	if r.Channel == ChannelPhone && a.UserID != 0 {
		// The agent on the call is the one who followed up.
		ans.StaffID, ans.OrgUnitID = a.UserID, a.OrgUnitID
	}
	threshold := float64(s.setting(ctx, settings.SurveyLowScoreThreshold))
	ans.Low = score != nil && *score < threshold
	if err := s.Store.SubmitAnswer(ctx, a, &ans, scoped); err != nil {
		return Answer{}, err
	}
	if ans.Low {
		s.complain(ctx, a, &ans, summary(v, lowest, ans))
	}
	return ans, nil
}

// summary describes a low answer for the complaint: template, the lowest
// item and its score, and the customer's comment.
func summary(v Version, lowest *Value, ans Answer) string {
	var b strings.Builder
	b.WriteString(v.Name)
	if lowest != nil && lowest.Score != nil {
		it, _ := v.Item(lowest.Key)
		_, hi := it.Type.Range()
		b.WriteString(" · " + it.TextZh + " " + strconv.Itoa(*lowest.Score) + "/" + strconv.Itoa(hi))
	}
	if ans.Comment != "" {
		b.WriteString(" · " + ans.Comment)
	}
	return b.String()
}

// complain opens the complaint for a low answer and records it on the
// answer. A failure is logged and left to the periodic job; the opener is
// idempotent per answer, so a retry never makes a second complaint.
func (s *Service) complain(ctx context.Context, a guanxi.Actor, ans *Answer, text string) {
	if ans.TicketID != nil || ans.Score == nil {
		return
	}
	if s.Complaints == nil {
		s.log().InfoContext(ctx, "survey: low score, complaint module not wired", "answer", ans.ID)
		return
	}
	id, number, err := s.Complaints.OpenComplaintFromSurvey(ctx, a, ans.CustomerID, ans.ID, *ans.Score, text)
	if err != nil {
		s.log().WarnContext(ctx, "survey: open complaint", "answer", ans.ID, "err", err)
		return
	}
	if err := s.Store.SetAnswerTicket(ctx, a, ans.ID, id, number); err != nil {
		s.log().WarnContext(ctx, "survey: record complaint", "answer", ans.ID, "err", err)
		return
	}
	ans.TicketID, ans.TicketNumber = &id, number
}

// OpenPendingComplaints opens complaints for low answers that have none yet
// (the module was down or not wired when they came in). It is the periodic
// job; answers younger than a minute are left to their own request.
func (s *Service) OpenPendingComplaints(ctx context.Context, now time.Time) error {
	if s.Complaints == nil {
		return nil
	}
	list, err := s.Store.LowWithoutTicket(ctx, now.Add(-time.Minute), 100)
	if err != nil {
		return err
	}
	a := guanxi.SystemActor("survey")
	for i := range list {
		ans := list[i]
		v, err := s.Store.TemplateVersion(ctx, ans.VersionID)
		if err != nil {
			return err
		}
		_, lowest := derive(ans.Values)
		s.complain(ctx, a, &ans, summary(v, lowest, ans))
	}
	return nil
}

// Answers lists a customer's latest answers.
func (s *Service) Answers(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Answer, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListAnswers(ctx, a, customerID, clamp(limit))
}

// GetAnswer returns one answer with its values and version.
func (s *Service) GetAnswer(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Answer, Version, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Answer{}, Version{}, err
	}
	ans, err := s.Store.GetAnswer(ctx, a, customerID, id)
	if err != nil {
		return Answer{}, Version{}, err
	}
	v, err := s.Store.TemplateVersion(ctx, ans.VersionID)
	return ans, v, err
}

func clamp(n int) int {
	if n <= 0 {
		return 50
	}
	if n > 200 {
		return 200
	}
	return n
}
