package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// MessageIO is one outbox message. The recipient is masked unless the
// caller may reveal phone numbers.
type MessageIO struct {
	ID            guanxi.ID         `json:"id" readOnly:"true"`
	Channel       string            `json:"channel" enum:"sms,email,inapp"`
	Purpose       string            `json:"purpose" enum:"service,care,marketing"`
	CustomerID    *guanxi.ID        `json:"customer_id,omitempty"`
	CustomerName  string            `json:"customer_name,omitempty" readOnly:"true"`
	UserID        *guanxi.ID        `json:"user_id,omitempty"`
	To            string            `json:"to,omitempty" readOnly:"true"`
	Template      string            `json:"template"`
	Vars          map[string]string `json:"vars,omitempty"`
	Locale        string            `json:"locale" enum:"zh-CN,en"`
	SendAfter     time.Time         `json:"send_after"`
	IdemKey       string            `json:"idem_key" readOnly:"true"`
	RefKind       string            `json:"ref_kind,omitempty" readOnly:"true"`
	RefID         *guanxi.ID        `json:"ref_id,omitempty" readOnly:"true"`
	Status        string            `json:"status" enum:"queued,sending,sent,failed,dead,cancelled,suppressed"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt time.Time         `json:"next_attempt_at"`
	LastError     string            `json:"last_error,omitempty" doc:"The last error, or why the message was suppressed"`
	ProviderID    string            `json:"provider_id,omitempty"`
	SentAt        *time.Time        `json:"sent_at,omitempty"`
	Subject       string            `json:"subject,omitempty" doc:"As rendered at send time"`
	Body          string            `json:"body,omitempty" doc:"As rendered at send time"`
	CreatedAt     time.Time         `json:"created_at"`
	Version       int64             `json:"version"`
	AttemptLog    []outbox.Attempt  `json:"attempt_log,omitempty" doc:"Each try (detail only)"`
}

// MessageIn queues a message by hand.
type MessageIn struct {
	Channel    string            `json:"channel" enum:"sms,email,inapp"`
	Purpose    string            `json:"purpose,omitempty" enum:"service,care,marketing"`
	CustomerID *guanxi.ID        `json:"customer_id,omitempty" doc:"For sms and email: the address comes from the customer"`
	UserID     *guanxi.ID        `json:"user_id,omitempty" doc:"For inapp: the staff user"`
	Template   string            `json:"template,omitempty" doc:"Default message.manual (vars subject, text)"`
	Vars       map[string]string `json:"vars,omitempty"`
	Locale     string            `json:"locale,omitempty" enum:"zh-CN,en"`
	SendAfter  *time.Time        `json:"send_after,omitempty"`
}

// MessageList is a page of messages with counts per status.
type MessageList struct {
	Items      []MessageIO    `json:"items"`
	Counts     map[string]int `json:"counts"`
	NextCursor string         `json:"next_cursor" doc:"Empty on the last page"`
}

// MessageTemplateIO is a message template.
type MessageTemplateIO struct {
	Key     string `json:"key" maxLength:"64" doc:"Lower-case words joined by dots, e.g. care.birthday"`
	Locale  string `json:"locale" enum:"zh-CN,en"`
	Subject string `json:"subject" maxLength:"200"`
	Body    string `json:"body" maxLength:"2000" doc:"Variables are written {name}"`
	Builtin bool   `json:"builtin" readOnly:"true"`
	Version int64  `json:"version" readOnly:"true"`
	Preview string `json:"preview,omitempty" readOnly:"true" doc:"The body rendered with sample values"`
}

func messageOut(m outbox.Stored, a guanxi.Actor) MessageIO {
	to := m.To
	if m.Channel == outbox.ChannelSMS && !a.Can(guanxi.PermRevealPhone) {
		to = customer.MaskPhone(to)
	}
	body := m.Body
	if !a.Can(guanxi.PermRevealPhone) {
		body = outbox.MaskMobiles(body)
	}
	return MessageIO{ID: m.ID, Channel: m.Channel, Purpose: m.Purpose, CustomerID: m.CustomerID, CustomerName: m.CustomerName,
		UserID: m.UserID, To: to, Template: m.Template, Vars: m.Vars, Locale: m.Locale, SendAfter: m.SendAfter,
		IdemKey: m.IdemKey, RefKind: m.RefKind, RefID: m.RefID, Status: m.Status, Attempts: m.Attempts,
		NextAttemptAt: m.NextAttemptAt, LastError: m.LastError, ProviderID: m.ProviderID, SentAt: m.SentAt,
		Subject: m.Subject, Body: body, CreatedAt: m.CreatedAt, Version: m.Version}
}

func messageTemplateOut(t outbox.Template) MessageTemplateIO {
	_, preview := outbox.Preview(t)
	return MessageTemplateIO{Key: t.Key, Locale: t.Locale, Subject: t.Subject, Body: t.Body, Builtin: t.Builtin,
		Version: t.Version, Preview: preview}
}

type messageListParams struct {
	Status     string    `query:"status" enum:"queued,sending,sent,failed,dead,cancelled,suppressed"`
	Channel    string    `query:"channel" enum:"sms,email,inapp"`
	CustomerID guanxi.ID `query:"customer_id"`
	From       string    `query:"from" doc:"YYYY-MM-DD (created)"`
	To         string    `query:"to" doc:"YYYY-MM-DD (created)"`
	Cursor     string    `query:"cursor" doc:"The next_cursor of the previous page"`
	Limit      int       `query:"limit" minimum:"0" maximum:"200"`
}

type messagePath struct {
	ID guanxi.ID `path:"id"`
}

type messageAction struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
}

type templateQuery struct {
	Key    string `query:"key" doc:"Only this key"`
	Locale string `query:"locale" enum:"zh-CN,en" doc:"Only this language"`
}

type templatePut struct {
	IfMatch string `header:"If-Match" doc:"The template version as an ETag; \"0\" for the first edit of a built-in or a new key"`
	Body    MessageTemplateIO
}

// smsInboundIn is a customer's reply forwarded by the SMS provider.
type smsInboundIn struct {
	addr      string
	Signature string `header:"X-Guanxi-Signature" doc:"sha256=HMAC-SHA256(secret, body) in hex; required when the SMS adapter has a signing secret"`
	RawBody   []byte
	Body      struct {
		From string `json:"from" maxLength:"32"`
		Text string `json:"text" maxLength:"1000"`
	}
}

func (p *smsInboundIn) Resolve(ctx huma.Context) []error {
	p.addr = hostOf(ctx.RemoteAddr())
	return nil
}

type smsInboundOut struct {
	Body struct {
		Unsubscribed int `json:"unsubscribed" doc:"Customers whose SMS consent this reply withdrew"`
	}
}

func (h *Handler) outboxRoutes(api humaAPI) {
	ob := h.app.Outbox
	getOne := func(ctx context.Context, a guanxi.Actor, id guanxi.ID) (*one[MessageIO], error) {
		m, at, err := ob.Get(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out := messageOut(m, a)
		out.AttemptLog = at
		return &one[MessageIO]{ETag: etag(m.Version), Body: out}, nil
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/messages", ID: "list-messages", Perm: guanxi.PermMessageRead},
		"The outbox: messages newest first, with counts per status",
		func(ctx context.Context, a guanxi.Actor, in *messageListParams) (*struct{ Body MessageList }, error) {
			before, err := strconv.ParseInt("0"+in.Cursor, 10, 64)
			if err != nil || before < 0 {
				return nil, guanxi.Invalid(guanxi.Field("cursor", "validation.number"))
			}
			list, counts, err := ob.List(ctx, a, outbox.ListQuery{Status: in.Status, Channel: in.Channel, CustomerID: in.CustomerID,
				From: in.From, To: in.To, Before: before, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &struct{ Body MessageList }{Body: MessageList{Items: []MessageIO{}, Counts: counts}}
			for _, m := range list {
				out.Body.Items = append(out.Body.Items, messageOut(m, a))
			}
			limit := in.Limit
			if limit <= 0 || limit > 200 {
				limit = 50
			}
			if len(list) == limit {
				out.Body.NextCursor = strconv.FormatInt(list[len(list)-1].ID, 10)
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/messages/{id}", ID: "get-message", Perm: guanxi.PermMessageRead},
		"One message with its attempts", func(ctx context.Context, a guanxi.Actor, in *messagePath) (*one[MessageIO], error) {
			return getOne(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/messages", ID: "send-message", Perm: guanxi.PermCareAdmin},
		"Queue a message by hand to one customer (or staff user, in-app); audited",
		func(ctx context.Context, a guanxi.Actor, in *struct{ Body MessageIn }) (*one[MessageIO], error) {
			b := in.Body
			m := outbox.Message{Channel: b.Channel, Purpose: b.Purpose, CustomerID: b.CustomerID, UserID: b.UserID,
				Template: b.Template, Vars: b.Vars, Locale: b.Locale}
			if b.SendAfter != nil {
				m.SendAfter = *b.SendAfter
			}
			id, _, err := ob.Send(ctx, a, m)
			if err != nil {
				return nil, err
			}
			return getOne(ctx, a, id)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/messages/{id}/cancel", ID: "cancel-message", Perm: guanxi.PermCareAdmin},
		"Cancel a queued or failed message (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *messageAction) (*one[MessageIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			if err := ob.Cancel(ctx, a, in.ID, v); err != nil {
				return nil, err
			}
			return getOne(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/messages/{id}/retry", ID: "retry-message", Perm: guanxi.PermCareAdmin},
		"Queue a dead or failed message again with the same idempotency key (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *messageAction) (*one[MessageIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			if err := ob.Retry(ctx, a, in.ID, v); err != nil {
				return nil, err
			}
			return getOne(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/message-templates", ID: "list-message-templates", Perm: guanxi.PermCareAdmin},
		"Message templates (built-in and edited) in zh-CN and en; key and locale select one",
		func(ctx context.Context, a guanxi.Actor, in *templateQuery) (*many[MessageTemplateIO], error) {
			list, err := ob.Templates(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[MessageTemplateIO]{Body: []MessageTemplateIO{}}
			for _, t := range list {
				if (in.Key == "" || t.Key == in.Key) && (in.Locale == "" || t.Locale == in.Locale) {
					out.Body = append(out.Body, messageTemplateOut(t))
				}
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/message-templates", ID: "put-message-template", Perm: guanxi.PermCareAdmin},
		"Edit or add a template; unknown variables are refused (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *templatePut) (*one[MessageTemplateIO], error) {
			// "0" is the ETag of a built-in text not yet stored.
			var v int64
			if strings.Trim(strings.TrimSpace(in.IfMatch), `"`) != "0" {
				var err error
				if v, err = ifMatch(in.IfMatch); err != nil {
					return nil, err
				}
			}
			t := outbox.Template{Key: in.Body.Key, Locale: in.Body.Locale, Subject: in.Body.Subject, Body: in.Body.Body}
			if err := ob.SaveTemplate(ctx, a, &t, v); err != nil {
				return nil, err
			}
			return &one[MessageTemplateIO]{ETag: etag(t.Version), Body: messageTemplateOut(t)}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/sms/inbound", ID: "sms-inbound", Public: true},
		"A customer's SMS reply from the provider: 退订/TD/T/unsubscribe withdraws SMS consent (signed with the adapter's secret when one is set)",
		func(ctx context.Context, _ guanxi.Actor, in *smsInboundIn) (*smsInboundOut, error) {
			n, err := ob.Inbound(ctx, in.RawBody, in.Signature, in.Body.From, in.Body.Text, in.addr)
			if err != nil {
				return nil, err
			}
			out := &smsInboundOut{}
			out.Body.Unsubscribed = n
			return out, nil
		})
}
