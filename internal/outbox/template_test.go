package outbox

import (
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func TestTemplateValidate(t *testing.T) {
	ok := Template{Key: "care.anniversary", Locale: "zh-CN", Body: "您的爱车{years}岁了，生日快乐"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Template{
		{Key: "care.x", Locale: "zh-CN", Body: "hi {nmae}"},
		{Key: "care.x", Locale: "zh-CN", Body: "hi {customer_name"},
		{Key: "care.x", Locale: "fr", Body: "hi"},
		{Key: "Bad Key", Locale: "en", Body: "hi"},
		{Key: "care.x", Locale: "en", Body: ""},
		{Key: "care.x", Locale: "en", Subject: "{oops}", Body: "x"},
	} {
		if err := bad.Validate(); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
	for _, b := range Builtins() {
		if err := b.Validate(); err != nil {
			t.Errorf("builtin %s/%s invalid: %v", b.Key, b.Locale, err)
		}
	}
	for _, k := range []string{"care.birthday", "care.festival", "care.anniversary", "care.service_due", "care.expiry",
		"care.loan_due", "care.greeting", "appointment.confirm", "appointment.reminder", "appointment.cancel"} {
		for _, l := range Locales {
			if _, ok := Builtin(k, l); !ok {
				t.Errorf("no builtin %s/%s", k, l)
			}
		}
	}
}

func TestRender(t *testing.T) {
	got := Render("{customer_name}，您的爱车{years}岁了{missing}", map[string]string{"customer_name": "张三", "years": "3"})
	if got != "张三，您的爱车3岁了" {
		t.Fatal(got)
	}
	s, b := Preview(Template{Subject: "{festival}快乐", Body: "{customer_name}"})
	if s != "中秋节快乐" || b != "张三" {
		t.Fatal(s, b)
	}
}

func TestUnsubscribeKeyword(t *testing.T) {
	for _, yes := range []string{"退订", " 退订 ", "TD", "td", "Ｔ", "ｔｄ", "T", "Unsubscribe", "ＵＮＳＵＢＳＣＲＩＢＥ\n"} {
		if !IsUnsubscribeKeyword(yes) {
			t.Errorf("%q not recognised", yes)
		}
	}
	for _, no := range []string{"", "谢谢", "TDD", "退订吧", "stop"} {
		if IsUnsubscribeKeyword(no) {
			t.Errorf("%q recognised", no)
		}
	}
	if NormalizeMobile("+86 138-0013-8000") != "13800138000" || NormalizeMobile("１３８００１３８０００") != "13800138000" {
		t.Fatal("normalize")
	}
}

func TestUnsubscribeToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok := UnsubscribeToken(secret, 42, ChannelSMS)
	id, ch, ok := ParseUnsubscribeToken(secret, tok)
	if !ok || id != 42 || ch != ChannelSMS {
		t.Fatal(id, ch, ok)
	}
	if _, _, ok := ParseUnsubscribeToken([]byte("other"), tok); ok {
		t.Fatal("token verified under another secret")
	}
	forged := UnsubscribeToken(secret, 43, ChannelSMS)
	p, _, _ := strings.Cut(forged, ".")
	_, m, _ := strings.Cut(tok, ".")
	if _, _, ok := ParseUnsubscribeToken(secret, p+"."+m); ok {
		t.Fatal("swapped payload verified")
	}
}

func TestSuppressAndBackoff(t *testing.T) {
	cases := []struct {
		purpose string
		consent map[string]bool
		want    string
	}{
		{PurposeService, nil, ""},
		{PurposeService, map[string]bool{"sms": false}, ReasonWithdrawn},
		{PurposeCare, nil, ReasonNoConsent},
		{PurposeCare, map[string]bool{"sms": true}, ""},
		{PurposeMarketing, map[string]bool{"sms": false}, ReasonWithdrawn},
		{PurposeMarketing, map[string]bool{"email": true}, ReasonNoConsent},
	}
	for _, c := range cases {
		if got := Suppress(c.purpose, ChannelSMS, c.consent); got != c.want {
			t.Errorf("%s %v: %q want %q", c.purpose, c.consent, got, c.want)
		}
	}
	if Backoff(1, 0.5) != time.Minute || Backoff(3, 0.5) != 4*time.Minute || Backoff(30, 0.5) != 6*time.Hour {
		t.Fatal(Backoff(1, 0.5), Backoff(3, 0.5), Backoff(30, 0.5))
	}
	if lo, hi := Backoff(2, 0), Backoff(2, 0.999); lo != 96*time.Second || hi <= lo || hi > 144*time.Second {
		t.Fatal(lo, hi)
	}
}
