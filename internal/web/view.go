package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without zoneinfo

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// Base is embedded in every page's view: language, signed-in user, flash
// and form errors, plus the helpers templates call (T, Enum, Asset, Can).
type Base struct {
	Lang     string
	Title    string // message key of the page title
	Nav      string // active navigation entry
	User     guanxi.Actor
	SignedIn bool
	Flash    string
	// Alert is a translated form-level error; Errors the field errors by
	// field name, ErrorList the same as "label: message" lines.
	Alert     string
	Errors    map[string]string
	ErrorList []string
	// Labels overrides field labels (custom fields carry their own).
	Labels     map[string]string
	AppVersion string
	Path       string
	// Here is where the language switch returns: this page when it was a
	// GET, the home page after a form post.
	Here string
	h    *Handler
	// unread counts the user's unread notifications when the layout asks
	// (one capped, indexed COUNT per full page; partials never ask).
	unread func() int
}

type viewer interface{ base() *Base }

func (b *Base) base() *Base { return b }

func (h *Handler) base(r *http.Request, title, nav string) Base {
	b := Base{Lang: h.lang(r), Title: title, Nav: nav, AppVersion: h.app.Version, Path: r.URL.Path, Here: "/", h: h}
	if r.Method == http.MethodGet {
		b.Here = r.URL.RequestURI()
	}
	if a, ok := guanxi.ActorFrom(r.Context()); ok && a.UserID != 0 {
		b.User, b.SignedIn = a, true
		ctx := r.Context()
		b.unread = func() int {
			if h.app.Notify == nil {
				return 0
			}
			n, _ := h.app.Notify.Unread(ctx, a) // a badge is not worth failing the page
			return n
		}
	}
	// A partial has no place for the flash; leave it for the next page.
	if isHTMX(r) {
		return b
	}
	if k := h.popFlash(r.Context()); k != "" {
		b.Flash = b.T(k)
	}
	return b
}

// T translates key. Arguments are either one map or key/value pairs:
// {{.T "validation.too_long" "max" 5}}.
func (b *Base) T(key string, args ...any) string {
	var m map[string]any
	if len(args) == 1 {
		m, _ = args[0].(map[string]any)
	} else if len(args) > 1 {
		m = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			m[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	if b.h == nil || b.h.app.I18n == nil {
		return key
	}
	return b.h.app.I18n.T(b.Lang, key, m)
}

// Enum labels an enumerated value: {{.Enum "stage" .Stage}}. An empty value
// is shown as empty.
func (b *Base) Enum(kind string, v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		return ""
	}
	return b.T("enum." + kind + "." + s)
}

// Label returns the label of a form field (custom fields have their own).
func (b *Base) Label(field string) string {
	field = indexRe.ReplaceAllString(field, "")
	if l, ok := b.Labels[field]; ok {
		return l
	}
	return b.T("field." + field)
}

var indexRe = regexp.MustCompile(`\[\d+\]`)

// Colon separates a label from its value in the page language.
func (b *Base) Colon() string {
	if b.Lang == "en" {
		return ": "
	}
	return "："
}

// Err returns the message for field, or "".
func (b *Base) Err(field string) string { return b.Errors[field] }

// Asset returns the content-hashed URL of a static file.
func (b *Base) Asset(name string) string {
	if as, ok := b.h.assets[name]; ok {
		return as.url
	}
	return "/static/missing/" + name
}

// Unread is the unread notification badge: "" for none, "99+" past the
// store's cap of 100.
func (b *Base) Unread() string {
	if b.unread == nil {
		return ""
	}
	switch n := b.unread(); {
	case n <= 0:
		return ""
	case n > 99:
		return "99+"
	default:
		return strconv.Itoa(n)
	}
}

// Can reports whether the signed-in user has permission p.
func (b *Base) Can(p string) bool { return b.SignedIn && b.User.Can(guanxi.Permission(p)) }

// Langs lists the UI languages.
func (b *Base) Langs() []string { return i18n.Langs }

// Time formats t in the deployment's time zone.
func (b *Base) Time(t any) string {
	switch x := t.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(b.h.loc).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil || x.IsZero() {
			return ""
		}
		return x.In(b.h.loc).Format("2006-01-02 15:04")
	}
	return ""
}

// Money formats minor units: 123456 CNY -> "¥1,234.56".
func (b *Base) Money(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	units := strconv.FormatInt(minor/100, 10)
	var out strings.Builder
	for i, c := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(c)
	}
	sym := currency + " "
	if currency == "CNY" || currency == "" {
		sym = "¥"
	}
	return fmt.Sprintf("%s%s%s.%02d", sign, sym, out.String(), minor%100)
}

// setError fills the form error fields from e in the page's language.
func (b *Base) setError(e *guanxi.Error) {
	b.Alert = b.T(e.Key, e.Args)
	b.Errors = map[string]string{}
	b.ErrorList = nil
	for _, fe := range e.Fields {
		msg := b.T(fe.Key, fe.Args)
		name := indexRe.ReplaceAllString(fe.Field, "")
		if _, dup := b.Errors[name]; !dup {
			b.Errors[name] = msg
		}
		b.ErrorList = append(b.ErrorList, b.Label(fe.Field)+b.Colon()+msg)
	}
}

// ownerOption is a user to choose as owner.
type ownerOption struct {
	ID    guanxi.ID
	Label string
}

// Enumerations for selects.
func (b *Base) Stages() []customer.Stage         { return customer.Stages }
func (b *Base) Markets() []customer.Market       { return customer.Markets }
func (b *Base) Industries() []string             { return customer.Industries }
func (b *Base) IDTypes() []customer.IDType       { return customer.IDTypes }
func (b *Base) HoldingKinds() []string           { return stringsOf(customer.HoldingKinds) }
func (b *Base) Channels() []string               { return customer.Channels }
func (b *Base) ConsentChannels() []string        { return customer.ConsentChannels }
func (b *Base) Roles() []guanxi.Role             { return guanxi.Roles }
func (b *Base) FieldTypes() []customer.FieldType { return customer.FieldTypes }

func stringsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// CanReveal reports whether the user may reveal field.
func (b *Base) CanReveal(field string) bool {
	p, ok := customer.RevealField(field).Permission()
	return ok && b.SignedIn && b.User.Can(p)
}

// dict builds a map for passing several values to a sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
