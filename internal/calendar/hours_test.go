package calendar

import (
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func TestParseHours(t *testing.T) {
	sh := shanghai(t)
	ok := []struct {
		in, want string
		daily    time.Duration
	}{
		{"09:00-12:00, 13:30-17:30", "09:00-12:00, 13:30-17:30", 7 * time.Hour},
		{"13:30–17:30；09:00 - 12:00", "09:00-12:00, 13:30-17:30", 7 * time.Hour},
		{"9:00~12:00 13:00-18:00", "09:00-12:00, 13:00-18:00", 8 * time.Hour},
		{"08:00-12:00,12:00-16:00", "08:00-16:00", 8 * time.Hour}, // touching intervals merge
		{"00:00-24:00", "00:00-24:00", 24 * time.Hour},
		{"18:00-24:00, 00:00-02:00", "00:00-02:00, 18:00-24:00", 8 * time.Hour},
	}
	for _, c := range ok {
		h, err := ParseHours(sh, c.in)
		if err != nil {
			t.Errorf("ParseHours(%q): %v", c.in, err)
			continue
		}
		if h.String() != c.want || h.Daily() != c.daily || h.Location() != sh {
			t.Errorf("ParseHours(%q) = %q daily %v", c.in, h, h.Daily())
		}
	}
	bad := []struct{ in, field, key string }{
		{"", "intervals", "calendar.hours_empty"},
		{"09:00-12:00, 11:00-14:00", "intervals[1]", "calendar.hours_overlap"},
		{"09:00-17:00, 10:00-11:00", "intervals[1]", "calendar.hours_overlap"},
		{"12:00-09:00", "intervals[0]", "calendar.interval_order"},
		{"09:00-09:00", "intervals[0]", "calendar.interval_order"},
		{"09:00-12:00, 13:30", "intervals[1]", "calendar.time_of_day"},
		{"09:60-12:00", "intervals[0]", "calendar.time_of_day"},
		{"24:30-12:00", "intervals[0]", "calendar.time_of_day"},
		{"9-12", "intervals[0]", "calendar.time_of_day"},
	}
	for _, c := range bad {
		_, err := ParseHours(sh, c.in)
		if !hasField(err, c.field, c.key) {
			t.Errorf("ParseHours(%q) = %v, want %s %s", c.in, err, c.field, c.key)
		}
	}
	if _, err := NewHours(nil, Interval{Clock(9, 0), Clock(17, 0)}); !hasField(err, "location", "validation.required") {
		t.Errorf("nil location: %v", err)
	}
}

func TestHoursOverlapNamesOriginalIndex(t *testing.T) {
	// Sorting must not change which input the error points at.
	_, err := NewHours(time.UTC, Interval{Clock(13, 0), Clock(15, 0)}, Interval{Clock(9, 0), Clock(14, 0)})
	if !hasField(err, "intervals[0]", "calendar.hours_overlap") {
		t.Errorf("err = %v", err)
	}
}

func TestStandardHours(t *testing.T) {
	h := StandardHours(time.UTC)
	want := []Interval{{Clock(9, 0), Clock(12, 0)}, {Clock(13, 30), Clock(17, 30)}}
	if !slices.Equal(h.Intervals(), want) || h.Daily() != 7*time.Hour {
		t.Errorf("StandardHours = %v", h)
	}
	h.Intervals()[0] = Interval{} // a copy
	if h.Intervals()[0] != want[0] {
		t.Error("Intervals leaked its slice")
	}
}

// hasField reports whether err is an Invalid error with key on field.
func hasField(err error, field, key string) bool {
	e := guanxi.AsError(err)
	if err == nil || e.Kind != guanxi.KindInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Key == key {
			return true
		}
	}
	return false
}
