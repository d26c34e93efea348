package web

import (
	"testing"

	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// TestPublicComplaintKeys checks the keys the complaint pages build from
// values (stages, callback times, labels) and the domain's own keys have
// text in every language; TestTemplateKeysExist sees only literal keys.
func TestPublicComplaintKeys(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"public.consent_required", "public.customer_linked", "public.form_expired",
		"public.hint_format", "public.link_unknown", "public.too_many", "enum.ticket_event.link_customer"}
	for _, st := range ticket.Statuses {
		step := ticket.PublicStatus{Status: st}.Step()
		keys = append(keys, "web.public.step."+step, "web.public.step_help."+step)
	}
	for _, c := range ticket.ContactTimes {
		keys = append(keys, "web.public.contact_time."+c)
	}
	for _, f := range []string{"name", "phone", "hint", "category_id", "description", "demand", "contact_time", "consent", "website"} {
		keys = append(keys, "web.public.f."+f)
	}
	for _, k := range keys {
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("key %q has no %s text", k, lang)
			}
		}
	}
}
