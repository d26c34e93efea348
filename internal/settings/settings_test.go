package settings

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		key, value, want, errKey string
	}{
		{PasswordPolicy, "mlps3", "mlps3", ""},
		{PasswordPolicy, "none", "", "validation.enum"},
		{LockoutThreshold, " 7 ", "7", ""},
		{LockoutThreshold, "0", "", "settings.out_of_range"},
		{LockoutThreshold, "five", "", "validation.number"},
		{CustomerNumberPrefix, "", "", "validation.required"},
		{CustomerNumberPrefix, "KHKHKHKHK", "", "validation.too_long"},
		{CustomerNumberDigits, "8", "8", ""},
	}
	for _, c := range cases {
		d, ok := Lookup(c.key)
		if !ok {
			t.Fatalf("%s undefined", c.key)
		}
		got, err := d.Validate(c.value)
		if c.errKey == "" {
			if err != nil || got != c.want {
				t.Errorf("%s=%q: %q %v", c.key, c.value, got, err)
			}
			continue
		}
		e := guanxi.AsError(err)
		if err == nil || e.Fields[0].Key != c.errKey || e.Fields[0].Field != "value" {
			t.Errorf("%s=%q: want %s, got %v", c.key, c.value, c.errKey, err)
		}
	}
}

func TestDefaultsWithoutStore(t *testing.T) {
	var s *Service
	ctx := context.Background()
	if n := s.Int(ctx, LockoutThreshold); n != 5 {
		t.Fatal(n)
	}
	if n := s.Int(ctx, LockoutMinutes); n != 30 {
		t.Fatal(n)
	}
	if v, _ := s.Get(ctx, PasswordPolicy); v != "asvs" {
		t.Fatal(v)
	}
	if _, err := s.Get(ctx, "nope"); guanxi.KindOf(err) != guanxi.KindNotFound {
		t.Fatal(err)
	}
	if err := (&Service{}).Set(ctx, guanxi.Actor{Role: guanxi.RoleManager}, PasswordPolicy, "mlps3", 0); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatal(err)
	}
}
