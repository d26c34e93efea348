package calendar

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi"
)

// Kind says what an override does to a day.
type Kind uint8

const (
	Holiday Kind = iota + 1 // a day off, whatever its weekday
	Workday                 // a make-up workday (调休上班), usually a Saturday or Sunday
)

func (k Kind) String() string {
	switch k {
	case Holiday:
		return "holiday"
	case Workday:
		return "workday"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Entry overrides the weekend rule for one day. Name is a holiday message
// key (see Names): required for a holiday; on a make-up workday it names
// the holiday the day pays for, or is empty.
type Entry struct {
	Day  Day
	Kind Kind
	Name string
}

// Notice is one year's arrangement as the State Council publishes it, or
// as an admin enters it. Its entries may reach into the neighbouring
// December or January, as notices sometimes do (元旦 of 2023 began on
// 2022-12-31).
type Notice struct {
	Year    int
	Source  string // the notice's number or title, for people; free text
	Entries []Entry
}

// Years accepted for a notice: wide enough for any real use, narrow
// enough to catch a typed 20267.
const (
	minYear = 1990
	maxYear = 2199
)

// span returns the first and last day a notice for year may touch.
func span(year int) (Day, Day) {
	return Date(year-1, 12, 1), Date(year+1, 1, 31)
}

// entryProblem returns the field and message key of what is wrong with e
// on its own, or "" when nothing is. Validate and the parser share it so
// that both report the same keys.
func entryProblem(year int, e Entry) (field, key string, args map[string]any) {
	first, last := span(year)
	switch {
	case e.Day < first || e.Day > last:
		return "day", "calendar.day_outside_year", map[string]any{"day": e.Day.String(), "year": year}
	case e.Kind != Holiday && e.Kind != Workday:
		return "kind", "validation.enum", nil
	case e.Kind == Holiday && e.Name == "":
		return "name", "validation.required", nil
	case e.Name != "" && !knownName(e.Name):
		return "name", "calendar.unknown_holiday", map[string]any{"name": e.Name}
	}
	return "", "", nil
}

// clash returns the key for a second entry on the same day: the same
// kind twice is a duplicate, a holiday and a workday a conflict.
func clash(a, b Entry) string {
	if a.Kind == b.Kind {
		return "calendar.duplicate_day"
	}
	return "calendar.conflicting_day"
}

// Validate checks the year and every entry, and refuses two entries for
// one day. Field names are paths such as "entries[3].day".
func (n Notice) Validate() error {
	var f guanxi.Fields
	if n.Year < minYear || n.Year > maxYear {
		f.Add("year", "calendar.year_range", map[string]any{"min": minYear, "max": maxYear})
		return f.Err()
	}
	seen := make(map[Day]int, len(n.Entries))
	for i, e := range n.Entries {
		if field, key, args := entryProblem(n.Year, e); key != "" {
			f.Add(fmt.Sprintf("entries[%d].%s", i, field), key, args)
			continue
		}
		if j, ok := seen[e.Day]; ok {
			f.Add(fmt.Sprintf("entries[%d].day", i), clash(n.Entries[j], e),
				map[string]any{"day": e.Day.String(), "value": e.Day.String(), "other": fmt.Sprintf("entries[%d]", j)})
			continue
		}
		seen[e.Day] = i
	}
	return f.Err()
}

// Merge returns base with each notice in extra replacing the base notice
// of the same year (an admin's correction wins over built-in data), or
// added when base has none, ordered by year. Two extras for one year are
// left for New to refuse.
func Merge(base []Notice, extra ...Notice) []Notice {
	out := slices.DeleteFunc(slices.Clone(base), func(b Notice) bool {
		return slices.ContainsFunc(extra, func(x Notice) bool { return x.Year == b.Year })
	})
	out = append(out, extra...)
	slices.SortStableFunc(out, func(a, b Notice) int { return cmp.Compare(a.Year, b.Year) })
	return out
}
