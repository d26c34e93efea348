package calendar

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/guanxi-crm/guanxi"
)

// TimeOfDay is a wall-clock time in seconds since midnight; 24:00 (86400)
// is allowed as the end of a day's last interval.
type TimeOfDay int32

// Clock returns the time of day h:m.
func Clock(h, m int) TimeOfDay { return TimeOfDay(h*3600 + m*60) }

// ParseTimeOfDay parses "HH:MM" (00:00 to 24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil || len(ms) != 2 || len(hs) == 0 || len(hs) > 2 ||
		h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, guanxi.InvalidKey("calendar.time_of_day", map[string]any{"value": s})
	}
	return Clock(h, m), nil
}

// String formats t as HH:MM (seconds, never produced by the parser, are dropped).
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t/3600, t%3600/60) }

// Interval is a half-open span of working time [Start, End) within one day.
type Interval struct{ Start, End TimeOfDay }

func (iv Interval) String() string { return iv.Start.String() + "-" + iv.End.String() }

// Hours are the working intervals of an org unit, the same on every
// business day (a make-up Saturday works weekday hours), in one time zone.
// Build them with NewHours or ParseHours; the zero value has no hours.
type Hours struct {
	loc *time.Location
	iv  []Interval // sorted, non-overlapping, touching ones merged
}

// maxIntervals bounds an admin's input; real schedules have two or three.
const maxIntervals = 12

// NewHours validates intervals in loc: each must end after it starts
// within 00:00–24:00, and no two may overlap. Intervals that touch
// (12:00–13:00, 13:00–14:00) are merged. Nights that cross midnight must
// be split at 24:00; each part belongs to its own calendar day.
func NewHours(loc *time.Location, intervals ...Interval) (Hours, error) {
	var f guanxi.Fields
	if loc == nil {
		f.Add("location", "validation.required")
	}
	switch {
	case len(intervals) == 0:
		f.Add("intervals", "calendar.hours_empty")
	case len(intervals) > maxIntervals:
		f.Add("intervals", "validation.too_many", map[string]any{"max": maxIntervals})
	}
	for i, iv := range intervals {
		if iv.Start < 0 || iv.End > secondsPerDay || iv.End <= iv.Start {
			f.Add(fmt.Sprintf("intervals[%d]", i), "calendar.interval_order", map[string]any{"interval": iv.String()})
		}
	}
	if err := f.Err(); err != nil {
		return Hours{}, err
	}
	order := make([]int, len(intervals))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(intervals[a].Start - intervals[b].Start) })
	var merged []Interval
	for k, i := range order {
		iv := intervals[i]
		if k > 0 {
			prev := &merged[len(merged)-1]
			if iv.Start < prev.End {
				f.Add(fmt.Sprintf("intervals[%d]", i), "calendar.hours_overlap",
					map[string]any{"interval": iv.String(), "other": intervals[order[k-1]].String()})
				continue
			}
			if iv.Start == prev.End {
				prev.End = iv.End
				continue
			}
		}
		merged = append(merged, iv)
	}
	if err := f.Err(); err != nil {
		return Hours{}, err
	}
	return Hours{loc: loc, iv: merged}, nil
}

// ParseHours parses intervals such as "09:00-12:00, 13:30-17:30" (commas,
// semicolons or spaces between intervals; "-", "–" or "~" inside one).
func ParseHours(loc *time.Location, s string) (Hours, error) {
	s = dashRe.ReplaceAllString(s, "-") // "09:00 – 12:00" is one interval, not two tokens
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '；' || unicode.IsSpace(r)
	})
	var f guanxi.Fields
	var ivs []Interval
	for i, p := range parts {
		a, b, ok := strings.Cut(p, "-")
		start, err1 := ParseTimeOfDay(a)
		end, err2 := ParseTimeOfDay(b)
		if !ok || err1 != nil || err2 != nil {
			f.Add(fmt.Sprintf("intervals[%d]", i), "calendar.time_of_day", map[string]any{"value": p})
			continue
		}
		ivs = append(ivs, Interval{start, end})
	}
	if err := f.Err(); err != nil {
		return Hours{}, err
	}
	return NewHours(loc, ivs...)
}

// StandardHours are 09:00–12:00 and 13:30–17:30, a common office day.
func StandardHours(loc *time.Location) Hours {
	return Hours{loc: loc, iv: []Interval{{Clock(9, 0), Clock(12, 0)}, {Clock(13, 30), Clock(17, 30)}}}
}

// Location returns the time zone the hours are read in.
func (h Hours) Location() *time.Location { return h.loc }

// Intervals returns a copy of the working intervals in order.
func (h Hours) Intervals() []Interval { return slices.Clone(h.iv) }

// Daily returns the nominal working time of one business day.
func (h Hours) Daily() time.Duration {
	var s TimeOfDay
	for _, iv := range h.iv {
		s += iv.End - iv.Start
	}
	return time.Duration(s) * time.Second
}

// String formats the intervals as ParseHours reads them.
func (h Hours) String() string {
	parts := make([]string, len(h.iv))
	for i, iv := range h.iv {
		parts[i] = iv.String()
	}
	return strings.Join(parts, ", ")
}

var dashRe = regexp.MustCompile(`\s*[-–~]\s*`)
