package calendar

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// The State Council notices, restated as counts and lists so that a typo
// in data/*.txt cannot hide: every holiday's length and every make-up day.
func TestBuiltinNotices(t *testing.T) {
	type want struct {
		days     map[string]int // holiday name → days off
		workdays []string
	}
	tests := map[int]want{
		2025: {
			days: map[string]int{NewYear: 1, SpringFestival: 8, Qingming: 3, LabourDay: 5, DragonBoat: 3,
				NationalDay: 7, MidAutumn: 1},
			workdays: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
		},
		2026: {
			days: map[string]int{NewYear: 3, SpringFestival: 9, Qingming: 3, LabourDay: 5, DragonBoat: 3,
				MidAutumn: 3, NationalDay: 7},
			workdays: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
		},
	}
	notices := Builtin()
	if years := []int{notices[0].Year, notices[1].Year}; len(notices) != 2 || !slices.Equal(years, []int{2025, 2026}) {
		t.Fatalf("Builtin years = %v", years)
	}
	for _, n := range notices {
		if err := n.Validate(); err != nil {
			t.Errorf("%d: %v", n.Year, err)
		}
		if n.Source == "" {
			t.Errorf("%d: no source", n.Year)
		}
		got := want{days: map[string]int{}}
		for _, e := range n.Entries {
			if e.Day.Year() != n.Year {
				t.Errorf("%d: entry %v outside the year", n.Year, e.Day)
			}
			switch e.Kind {
			case Holiday:
				got.days[e.Name]++
			case Workday:
				got.workdays = append(got.workdays, e.Day.String())
				// A make-up workday that is not a weekend day would change nothing.
				if wd := e.Day.Weekday(); wd != time.Saturday && wd != time.Sunday {
					t.Errorf("%d: workday %v is a %v", n.Year, e.Day, wd)
				}
			}
		}
		slices.Sort(got.workdays)
		if w := tests[n.Year]; !reflect.DeepEqual(got, w) {
			t.Errorf("%d:\n got %v\nwant %v", n.Year, got, w)
		}
	}
}

func TestBuiltinReturnsCopies(t *testing.T) {
	a := Builtin()
	a[0].Entries[0].Kind = Workday
	if Builtin()[0].Entries[0].Kind != Holiday {
		t.Error("Builtin shares its entries")
	}
}

func TestBuiltinFormatRoundTrip(t *testing.T) {
	for _, n := range Builtin() {
		back, err := ParseNotice(n.Year, FormatNotice(n))
		if err != nil {
			t.Fatalf("%d: %v\n%s", n.Year, err, FormatNotice(n))
		}
		if !sameEntries(n.Entries, back.Entries) || back.Source != n.Source {
			t.Errorf("%d: round trip changed the notice:\n%s", n.Year, FormatNotice(n))
		}
	}
}

func TestNamesAreKeys(t *testing.T) {
	for _, k := range Names() {
		if len(k) <= len(namePrefix) || k[:len(namePrefix)] != namePrefix {
			t.Errorf("%q is not under %q", k, namePrefix)
		}
	}
}

func sameEntries(a, b []Entry) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sortEntries(a)
	sortEntries(b)
	return slices.Equal(a, b)
}
