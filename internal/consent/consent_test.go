package consent

import (
	"reflect"
	"testing"
)

func TestLegacyChangesSummaryEffective(t *testing.T) {
	ch := LegacyChanges(map[string]bool{"sms": true, "email": false}, map[string]bool{"sms": true, "email": true, "phone": false})
	if len(ch) != 2*len(LegacyPurposes) || ch[0].Channel != "email" || ch[0].Action != Grant || ch[len(ch)-1].Channel != "phone" || ch[len(ch)-1].Action != Withdraw {
		t.Fatalf("changes %+v", ch)
	}
	st := State{{PurposeMarketing, "sms"}: Withdraw, {PurposeCare, "sms"}: Grant}
	legacy := map[string]bool{"sms": true, "email": false}
	if got := Summary(st, legacy); !reflect.DeepEqual(got, map[string]bool{"sms": true, "email": false}) {
		t.Fatalf("summary %v", got)
	}
	for _, tc := range []struct {
		purpose, channel string
		want             bool
	}{
		{PurposeMarketing, "sms", false}, // withdrawn in the ledger
		{PurposeCare, "sms", true},       // granted in the ledger
		{PurposeService, "sms", true},    // ledger rows on the channel, none for service: not set
		{PurposeService, "email", false}, // no ledger rows: the legacy false still stops service
		{PurposeCare, "phone", false},    // nothing anywhere: care needs a yes
		{PurposeService, "phone", true},
	} {
		if got := Granted(tc.purpose, tc.channel, Effective(tc.purpose, st, legacy)); got != tc.want {
			t.Errorf("%s/%s: %v, want %v", tc.purpose, tc.channel, got, tc.want)
		}
	}
	if err := Validate(Change{"spam", "sms", Grant}); err == nil {
		t.Fatal("bad purpose accepted")
	}
	d := DiffChanges([]struct{ Field, From, To string }{{"consent.sms", "false", "true"}, {"name", "a", "b"}})
	if len(d) != len(LegacyPurposes) || d[0].Action != Grant {
		t.Fatalf("diff %+v", d)
	}
}
