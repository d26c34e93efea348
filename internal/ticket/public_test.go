package ticket

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
)

// keyStore is a PublicStore that only keeps the signing key; the bot and
// limit paths never reach the rest.
type keyStore struct {
	PublicStore
	key string
}

func (k *keyStore) PublicFormKey(_ context.Context, candidate string) (string, error) {
	if k.key == "" {
		k.key = candidate
	}
	return k.key, nil
}

func (k *keyStore) Categories(context.Context) ([]Category, error) {
	return []Category{{ID: 1, Code: "service"}, {ID: 2, ParentID: ptr(guanxi.ID(1)), Code: "service.attitude"}}, nil
}

func ptr[T any](v T) *T { return &v }

func TestValidatePublic(t *testing.T) {
	cats := []Category{{ID: 1}}
	f := PublicForm{Name: " 张三 ", Phone: "+86 138-0013-8000", Hint: " ab1234 ", CategoryID: 1,
		Description: "多收费", Consent: true}
	if err := ValidatePublic(&f, cats); err != nil {
		t.Fatal(err)
	}
	if f.Name != "张三" || f.Phone != "13800138000" || f.Hint != "AB1234" || f.ContactTime != "any" {
		t.Fatalf("normalised %+v", f)
	}
	bad := PublicForm{Phone: "12345", Hint: "1", CategoryID: 2, ContactTime: "midnight"}
	err := ValidatePublic(&bad, cats)
	got := map[string]string{}
	for _, fe := range guanxi.AsError(err).Fields {
		got[fe.Field] = fe.Key
	}
	want := map[string]string{"name": "validation.required", "phone": "validation.mobile", "hint": "public.hint_format",
		"category_id": "validation.required", "description": "validation.required", "contact_time": "validation.enum",
		"consent": "public.consent_required"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

func TestPublicStep(t *testing.T) {
	want := map[Status]string{StatusRegistered: "received", StatusConfirmed: "accepted", StatusRouted: "in_progress",
		StatusHandled: "in_progress", StatusFedBack: "answered", StatusClosed: "closed", StatusMerged: "merged"}
	for _, st := range Statuses {
		if got := (PublicStatus{Status: st}).Step(); got != want[st] {
			t.Errorf("%s: %s, want %s", st, got, want[st])
		}
	}
}

// TestPublicStampAndBots: a stamp is accepted only as made and only after
// MinFill; bots get a receipt that looks real and count against the limit.
func TestPublicStampAndBots(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	p := &Public{Tickets: &Service{Now: func() time.Time { return now }}, Store: &keyStore{},
		MinFill: 3 * time.Second, MaxAge: time.Hour, PerAddr: ratelimit.New(2, time.Hour)}
	p.PerAddr.Now = func() time.Time { return now }
	ctx := context.Background()
	stamp, err := p.Stamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := p.stampAge(ctx, stamp[:len(stamp)-2]+"AA"); ok {
		t.Fatal("a changed stamp verified")
	}
	now = now.Add(time.Second)
	r, err := p.Submit(ctx, Submission{Stamp: stamp, Addr: "a"})
	if err != nil || len(r.Token) != 43 || r.Number == "" || p.Dropped() != 1 {
		t.Fatalf("too fast: %+v %v dropped %d", r, err, p.Dropped())
	}
	if _, err := p.Submit(ctx, Submission{Stamp: stamp, Honeypot: "x", Addr: "a"}); err != nil || p.Dropped() != 2 {
		t.Fatalf("honeypot: %v", err)
	}
	_, err = p.Submit(ctx, Submission{Stamp: stamp, Honeypot: "x", Addr: "a"})
	if e := guanxi.AsError(err); e.Kind != guanxi.KindTooMany || e.Args["seconds"].(int) <= 0 {
		t.Fatalf("bot over the limit: %v", err)
	}
	// A person who waited too long is asked to post again.
	now = now.Add(2 * time.Hour)
	if _, err := p.Submit(ctx, Submission{Stamp: stamp, Addr: "b"}); guanxi.AsError(err).Key != "public.form_expired" {
		t.Fatalf("expired: %v", err)
	}
	// Categories offered are the top level only.
	if cs, _ := p.Categories(ctx); len(cs) != 1 || cs[0].ID != 1 {
		t.Fatalf("categories %+v", cs)
	}
}
