package outbox

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Locales templates are written in.
var Locales = []string{"zh-CN", "en"}

// Variables are the placeholders a template may use, written {name}.
// Anything else in braces is refused when the template is saved, so a
// typo shows at once instead of as an empty gap in a sent message.
var Variables = []string{"customer_name", "festival", "years", "model", "due_on", "amount",
	"appointment_time", "resource", "org_name", "unsubscribe_url", "product", "staff_name", "text", "subject"}

// SampleVars fill a preview.
var SampleVars = map[string]string{
	"customer_name": "张三", "festival": "中秋节", "years": "3", "model": "途观L", "due_on": "2026-12-31",
	"amount": "1,280.00", "appointment_time": "2026-12-01 10:00", "resource": "1号工位", "org_name": "示例公司",
	"unsubscribe_url": "https://crm.example.com/u/TOKEN", "product": "年度保养套餐", "staff_name": "李四",
	"text": "您好", "subject": "通知",
}

// Template is the text of one message kind in one locale. Subject is used
// by email and in-app messages; Body by every channel.
type Template struct {
	Key       string     `db:"key" json:"key"`
	Locale    string     `db:"locale" json:"locale"`
	Subject   string     `db:"subject" json:"subject"`
	Body      string     `db:"body" json:"body"`
	Builtin   bool       `db:"-" json:"builtin"` // a built-in text, not yet edited
	Version   int64      `db:"version" json:"version"`
	UpdatedAt *time.Time `db:"updated_at" json:"updated_at,omitempty"`
}

var placeholder = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// Placeholders lists the variable names a text uses, sorted and unique.
func Placeholders(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// Render replaces {name} with vars[name]; a variable without a value
// renders empty.
func Render(text string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		return vars[m[1:len(m)-1]]
	})
}

// Validate checks a template before it is saved.
func (t *Template) Validate() error {
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	var f guanxi.Fields
	if !keyPattern.MatchString(t.Key) || len(t.Key) > 64 {
		f.Add("key", "outbox.error.invalid")
	}
	if !slices.Contains(Locales, t.Locale) {
		f.Add("locale", "validation.enum")
	}
	if t.Body == "" {
		f.Add("body", "validation.required")
	}
	if utf8.RuneCountInString(t.Body) > 2000 {
		f.Add("body", "validation.too_long", map[string]any{"max": 2000})
	}
	if utf8.RuneCountInString(t.Subject) > 200 {
		f.Add("subject", "validation.too_long", map[string]any{"max": 200})
	}
	for field, text := range map[string]string{"subject": t.Subject, "body": t.Body} {
		for _, v := range Placeholders(text) {
			if !slices.Contains(Variables, v) {
				f.Add(field, "outbox.error.unknown_variable", map[string]any{"name": v})
			}
		}
		// A brace that is not a well-formed placeholder is most likely one.
		if strings.Count(text, "{") != strings.Count(text, "}") {
			f.Add(field, "outbox.error.unbalanced_braces")
		}
	}
	return f.Err()
}

// Builtins are the texts shipped for the keys other modules queue. A row
// in the database (edited in the UI) overrides one.
func Builtins() []Template {
	b := func(key, zhS, zh, enS, en string) []Template {
		return []Template{{Key: key, Locale: "zh-CN", Subject: zhS, Body: zh, Builtin: true},
			{Key: key, Locale: "en", Subject: enS, Body: en, Builtin: true}}
	}
	var out []Template
	for _, ts := range [][]Template{
		b("care.birthday", "生日快乐", "{customer_name}，{org_name}祝您生日快乐！退订回T或点击 {unsubscribe_url}",
			"Happy birthday", "Happy birthday, {customer_name}, from {org_name}! Unsubscribe: {unsubscribe_url}"),
		b("care.festival", "{festival}快乐", "{customer_name}，{org_name}祝您{festival}快乐！退订回T或点击 {unsubscribe_url}",
			"Happy {festival}", "{customer_name}, {org_name} wishes you a happy {festival}! Unsubscribe: {unsubscribe_url}"),
		b("care.anniversary", "爱车{years}周岁", "{customer_name}，您的爱车{model}{years}岁了，生日快乐！{org_name} 退订回T或点击 {unsubscribe_url}",
			"Your car turns {years}", "{customer_name}, your {model} is {years} years old today. Happy car birthday from {org_name}! Unsubscribe: {unsubscribe_url}"),
		b("care.service_due", "保养提醒", "{customer_name}，您的{model}将于{due_on}到期保养，欢迎预约。{org_name} 退订回T",
			"Service due", "{customer_name}, your {model} is due for service on {due_on}. Book a visit with {org_name}."),
		b("care.expiry", "到期续费通知", "{customer_name}，您的{product}将于{due_on}到期，请及时续费。{org_name}",
			"Renewal notice", "{customer_name}, your {product} expires on {due_on}. Please renew in time. {org_name}"),
		b("care.loan_due", "还款提醒", "{customer_name}，您有一笔{amount}元的款项将于{due_on}到期，请按时还款。{org_name}",
			"Payment due", "{customer_name}, a payment of {amount} is due on {due_on}. {org_name}"),
		b("care.greeting", "{org_name}问候", "{customer_name}，{text} {org_name} 退订回T或点击 {unsubscribe_url}",
			"Greetings from {org_name}", "{customer_name}, {text} {org_name}. Unsubscribe: {unsubscribe_url}"),
		b("appointment.confirm", "预约确认", "{customer_name}，您已预约{appointment_time}（{resource}），{org_name}期待您的光临。",
			"Appointment confirmed", "{customer_name}, your appointment at {appointment_time} ({resource}) is confirmed. {org_name}"),
		b("appointment.reminder", "预约提醒", "{customer_name}，提醒您{appointment_time}在{resource}的预约。{org_name}",
			"Appointment reminder", "{customer_name}, a reminder of your appointment at {appointment_time} ({resource}). {org_name}"),
		b("appointment.cancel", "预约已取消", "{customer_name}，您{appointment_time}的预约已取消。{org_name}",
			"Appointment cancelled", "{customer_name}, your appointment at {appointment_time} has been cancelled. {org_name}"),
		b("message.manual", "{subject}", "{text}", "{subject}", "{text}"),
	} {
		out = append(out, ts...)
	}
	return out
}

// Builtin returns the shipped text of key in locale.
func Builtin(key, locale string) (Template, bool) {
	for _, t := range Builtins() {
		if t.Key == key && t.Locale == locale {
			return t, true
		}
	}
	return Template{}, false
}
