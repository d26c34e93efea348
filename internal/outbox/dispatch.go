package outbox

import (
	"context"
	"errors"
	"time"
)

// batch bounds the messages one run sends, so a run ends and the next
// re-reads the channel settings.
const batch = 200

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return 2 * time.Minute
}

// sender builds the adapter of channel from cfg (nil: none for in-app).
func (s *Service) sender(cfg Config, channel string) Sender {
	if snd, ok := s.Senders[channel]; ok {
		return snd
	}
	switch channel {
	case ChannelEmail:
		return &SMTPSender{Config: cfg.SMTP, Egress: &s.egress}
	case ChannelSMS:
		if cfg.SMS.Kind == SMSHTTP {
			return s.smsSender(cfg.SMS)
		}
		return &LogSMSSender{Log: s.log()}
	}
	return nil
}

// Dispatch claims due messages one at a time and sends each: the periodic
// job of every instance. A claim is a lease; a message whose sender died
// is claimed again after the lease and sent with the same idempotency
// key, so a provider that honours the key delivers it once.
func (s *Service) Dispatch(ctx context.Context, now time.Time) error {
	cfg, _, err := s.Store.ChannelConfig(ctx)
	if err != nil {
		return err
	}
	s.refreshEgress(ctx)
	tpls := map[string]Template{}
	all, err := s.templates(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		tpls[t.Key+"|"+t.Locale] = t
	}
	now = now.UTC()
	for i := 0; i < batch && ctx.Err() == nil; i++ {
		m, ok, err := s.Store.ClaimMessage(ctx, s.owner(), now, now.Add(s.lease()))
		if err != nil || !ok {
			return err
		}
		r := s.attempt(ctx, cfg, tpls, m, now)
		// The send happened: record it even if serve is shutting down.
		wctx := context.WithoutCancel(ctx)
		var done bool
		if r.Status == StatusSent && m.Channel == ChannelInApp {
			done, err = s.Store.DeliverInApp(wctx, m, s.owner(), r)
		} else {
			done, err = s.Store.FinishMessage(wctx, m.ID, s.owner(), r)
		}
		if err != nil {
			return err
		}
		if !done {
			s.log().WarnContext(ctx, "outbox lease lost before the result was stored", "message", m.ID)
		}
	}
	return nil
}

// attempt decides and, when allowed, sends one claimed message.
func (s *Service) attempt(ctx context.Context, cfg Config, tpls map[string]Template, m Stored, now time.Time) Result {
	retry := func(err error) Result {
		if IsPermanent(err) || m.Attempts >= max(cfg.MaxAttempts, 1) {
			return Result{Status: StatusDead, Error: err.Error(), Attempted: true}
		}
		return Result{Status: StatusFailed, Error: err.Error(), Next: now.Add(Backoff(m.Attempts, s.jitter())), Attempted: true}
	}
	suppress := func(reason string) Result { return Result{Status: StatusSuppressed, Error: reason, Attempted: true} }
	t, err := s.Store.MessageTarget(ctx, m)
	if err != nil {
		return retry(err)
	}
	if !t.Found || t.Deleted {
		return suppress(ReasonDeleted)
	}
	if m.CustomerID != nil {
		if reason := Suppress(m.Purpose, m.Channel, t.Consent); reason != "" {
			return suppress(reason)
		}
	}
	to := m.To
	if to == "" {
		to = t.Address
	}
	if m.Channel == ChannelSMS {
		to = NormalizeMobile(to)
	}
	if to == "" {
		return suppress(ReasonNoAddress)
	}
	tpl, ok := tpls[m.Template+"|"+m.Locale]
	for _, l := range Locales {
		if !ok {
			tpl, ok = tpls[m.Template+"|"+l]
		}
	}
	if !ok {
		return Result{Status: StatusDead, Error: ReasonNoTemplate, Attempted: true}
	}
	vars := map[string]string{"customer_name": t.CustomerName, "org_name": cfg.OrgName}
	for k, v := range m.Vars {
		vars[k] = v
	}
	if m.CustomerID != nil && NeedsUnsubscribe(m.Purpose) && m.Channel != ChannelInApp {
		secret, err := s.secret(ctx, "unsubscribe")
		if err != nil {
			return retry(err)
		}
		vars["unsubscribe_url"] = cfg.PublicURL + "/u/" + UnsubscribeToken(secret, *m.CustomerID, m.Channel)
	}
	subject, body := Render(tpl.Subject, vars), Render(tpl.Body, vars)
	if limit := cfg.RatePerMinute[m.Channel]; limit > 0 {
		window := now.Truncate(time.Minute)
		ok, err := s.Store.TakeRate(ctx, m.Channel, window, limit)
		if err != nil {
			return retry(err)
		}
		if !ok {
			return Result{Status: StatusQueued, Next: window.Add(time.Minute)}
		}
	}
	if m.Channel == ChannelInApp {
		return Result{Status: StatusSent, Subject: subject, Body: body, ProviderID: "inapp", Attempted: true}
	}
	snd := s.sender(cfg, m.Channel)
	if snd == nil {
		return retry(errors.New(ReasonUnsupported))
	}
	sctx, cancel := context.WithTimeout(ctx, s.lease()/2)
	defer cancel()
	pid, err := snd.Send(sctx, Envelope{To: to, Subject: subject, Body: body, IdemKey: m.IdemKey})
	if err != nil {
		r := retry(err)
		r.Subject, r.Body = subject, body
		return r
	}
	return Result{Status: StatusSent, ProviderID: pid, Subject: subject, Body: body, Attempted: true}
}
