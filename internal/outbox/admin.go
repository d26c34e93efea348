package outbox

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sort"

	"github.com/guanxi-crm/guanxi"
)

// Templates lists every template: built-ins, with stored edits over them,
// and templates added by administrators.
func (s *Service) Templates(ctx context.Context, a guanxi.Actor) ([]Template, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return nil, err
	}
	return s.templates(ctx)
}

func (s *Service) templates(ctx context.Context) ([]Template, error) {
	stored, err := s.Store.Templates(ctx)
	if err != nil {
		return nil, err
	}
	out := Builtins()
	for _, t := range stored {
		i := slices.IndexFunc(out, func(b Template) bool { return b.Key == t.Key && b.Locale == t.Locale })
		if i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Locale > out[j].Locale // zh-CN before en
	})
	return out, nil
}

// Template returns one template (built-in or stored).
func (s *Service) Template(ctx context.Context, a guanxi.Actor, key, locale string) (Template, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return Template{}, err
	}
	return s.template(ctx, key, locale)
}

func (s *Service) template(ctx context.Context, key, locale string) (Template, error) {
	all, err := s.templates(ctx)
	if err != nil {
		return Template{}, err
	}
	for _, t := range all {
		if t.Key == key && t.Locale == locale {
			return t, nil
		}
	}
	return Template{}, guanxi.NotFound("error.not_found")
}

// SaveTemplate validates and stores a template at version (0: first edit
// of a built-in or a new key).
func (s *Service) SaveTemplate(ctx context.Context, a guanxi.Actor, t *Template, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.Store.SaveTemplate(ctx, a, t, version)
}

// Preview renders t with the sample values.
func Preview(t Template) (string, string) {
	return Render(t.Subject, SampleVars), Render(t.Body, SampleVars)
}

// Channels returns the channel settings without secrets and their version.
func (s *Service) Channels(ctx context.Context, a guanxi.Actor) (Config, int64, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return Config{}, 0, err
	}
	c, v, err := s.Store.ChannelConfig(ctx)
	return c.Public(), v, err
}

// SaveChannels stores the channel settings at version. Empty secrets keep
// the stored ones unless cleared.
func (s *Service) SaveChannels(ctx context.Context, a guanxi.Actor, c Config, version int64, clearPassword, clearSecret bool) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	old, _, err := s.Store.ChannelConfig(ctx)
	if err != nil {
		return err
	}
	c = c.Merge(old, clearPassword, clearSecret)
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.checkDestinations(ctx, c); err != nil {
		return err
	}
	return s.Store.SaveChannelConfig(ctx, a, c, version)
}

// checkDestinations refuses, when the settings are saved, a gateway or
// mail server written as an address the egress filter refuses (loopback,
// private, cloud metadata, odd numeric notations), so the mistake or the
// attempt shows at once, on the field, instead of at the first send. A
// name is checked when it is dialled.
func (s *Service) checkDestinations(ctx context.Context, c Config) error {
	s.refreshEgress(ctx)
	var f guanxi.Fields
	if c.SMS.Kind == SMSHTTP && s.HTTPClient == nil {
		if u, err := url.Parse(c.SMS.URL); err == nil {
			if err := s.egress.CheckURL(u.Hostname()); err != nil {
				f.Add("sms.url", "outbox.error.refused_destination", map[string]any{"reason": refusal(err)})
			}
		}
	}
	if c.SMTP.Host != "" && s.Senders[ChannelEmail] == nil {
		if err := s.egress.CheckURL(c.SMTP.Host); err != nil {
			f.Add("smtp.host", "outbox.error.refused_destination", map[string]any{"reason": refusal(err)})
		}
	}
	return f.Err()
}

// refusal is the reason of an egress refusal, for the field message.
func refusal(err error) string {
	var re *RefusedError
	if errors.As(err, &re) {
		return re.Reason
	}
	return err.Error()
}

// SendTest sends a fixed text straight through a channel's adapter (not
// the queue) so an administrator sees the configuration work.
func (s *Service) SendTest(ctx context.Context, a guanxi.Actor, channel, to string) (string, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return "", err
	}
	cfg, _, err := s.Store.ChannelConfig(ctx)
	if err != nil {
		return "", err
	}
	s.refreshEgress(ctx)
	snd := s.sender(cfg, channel)
	if snd == nil {
		return "", guanxi.Invalid(guanxi.Field("channel", "validation.enum"))
	}
	if channel == ChannelSMS {
		to = NormalizeMobile(to)
	}
	id, err := snd.Send(ctx, Envelope{To: to, Subject: "Guanxi test / 测试", Body: "Guanxi 测试消息 test message",
		IdemKey: "test:" + s.now().Format("20060102T150405.000000")})
	if err != nil {
		s.log().WarnContext(ctx, "outbox test send failed", "channel", channel, "err", err)
		return "", guanxi.InvalidKey("outbox.error.test_failed", map[string]any{"error": err.Error()})
	}
	return id, nil
}

// UnsubscribeTarget reads a link's token: the customer's name and the channel.
func (s *Service) UnsubscribeTarget(ctx context.Context, token string) (string, string, error) {
	id, ch, err := s.parseToken(ctx, token)
	if err != nil {
		return "", "", err
	}
	name, err := s.Store.UnsubscribeName(ctx, id)
	return name, ch, err
}

func (s *Service) parseToken(ctx context.Context, token string) (guanxi.ID, string, error) {
	secret, err := s.secret(ctx, "unsubscribe")
	if err != nil {
		return 0, "", err
	}
	id, ch, ok := ParseUnsubscribeToken(secret, token)
	if !ok {
		return 0, "", guanxi.NotFound("outbox.error.bad_link")
	}
	return id, ch, nil
}

// UnsubscribeLink confirms a link: consent[channel] becomes false. addr is
// the requester's address, for the audit row. Repeating it is a no-op.
func (s *Service) UnsubscribeLink(ctx context.Context, token, addr string) (bool, error) {
	id, ch, err := s.parseToken(ctx, token)
	if err != nil {
		return false, err
	}
	a := guanxi.Actor{Username: "unsubscribe-link", Name: "unsubscribe-link", Addr: addr, System: true}
	return s.Store.Unsubscribe(ctx, a, id, ch, "link")
}

// ErrBadSignature is an inbound SMS whose signature does not verify.
var ErrBadSignature = errors.New("outbox: bad signature")

// Inbound handles a customer's SMS reply. When the adapter has a signing
// secret, the request must carry its signature over body. A reply that is
// an unsubscribe keyword withdraws SMS consent for that mobile; it
// returns how many customers changed.
func (s *Service) Inbound(ctx context.Context, body []byte, signature, from, text, addr string) (int, error) {
	cfg, _, err := s.Store.ChannelConfig(ctx)
	if err != nil {
		return 0, err
	}
	if cfg.SMS.Secret != "" && !VerifySignature(cfg.SMS.Secret, body, signature) {
		return 0, guanxi.Unauthorized("outbox.error.bad_signature")
	}
	if !IsUnsubscribeKeyword(text) {
		return 0, nil
	}
	mobile := NormalizeMobile(from)
	if !validMobile(mobile) {
		return 0, guanxi.Invalid(guanxi.Field("from", "outbox.error.invalid"))
	}
	a := guanxi.Actor{Username: "sms-inbound", Name: "sms-inbound", Addr: addr, System: true}
	return s.Store.UnsubscribeMobile(ctx, a, mobile, "sms_reply")
}
