package settings

import (
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestCIDRsSetting(t *testing.T) {
	d, ok := Lookup(OutboxAllowPrivateCIDRs)
	if !ok || d.Default != "" {
		t.Fatalf("def %+v", d)
	}
	cases := []struct{ in, want, errKey string }{
		{"", "", ""},
		{"  ", "", ""},
		{"10.20.30.0/24", "10.20.30.0/24", ""},
		{"10.20.30.7/24; 192.168.1.10\nfd00::/8, 10.20.30.0/24", "10.20.30.0/24, 192.168.1.10/32, fd00::/8", ""},
		{"127.0.0.0/8 ::ffff:10.0.0.0/104", "127.0.0.0/8, 10.0.0.0/8", ""},
		{"10.0.0.0/33", "", "settings.cidr_invalid"},
		{"intranet", "", "settings.cidr_invalid"},
		{"127.1", "", "settings.cidr_invalid"},
		{"fe80::1%eth0", "", "settings.cidr_invalid"},
		{"0.0.0.0/0", "", "settings.cidr_too_broad"},
		{"10.0.0.0/7", "", "settings.cidr_too_broad"},
		{"::/0", "", "settings.cidr_too_broad"},
		{"::ffff:0.0.0.0/96", "", "settings.cidr_too_broad"},
	}
	for _, c := range cases {
		got, err := d.Validate(c.in)
		if c.errKey == "" {
			if err != nil || got != c.want {
				t.Errorf("%q: %q %v, want %q", c.in, got, err, c.want)
			}
			continue
		}
		e := guanxi.AsError(err)
		if err == nil || e.Fields[0].Key != c.errKey || e.Fields[0].Field != "value" {
			t.Errorf("%q: want %s, got %v", c.in, c.errKey, err)
		}
	}
	// What Validate stored parses back to the same networks.
	ps, err := ParseCIDRs("10.20.30.0/24, 192.168.1.10/32")
	if err != nil || len(ps) != 2 || !ps[1].Contains(ps[1].Addr()) || ps[0].Bits() != 24 {
		t.Fatalf("%v %v", ps, err)
	}
}
