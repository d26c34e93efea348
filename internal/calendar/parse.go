package calendar

import (
	"fmt"
	"strings"

	"github.com/guanxi-crm/guanxi"
)

// Limits on admin input, so that a pasted novel fails fast.
const (
	maxText   = 64 << 10
	maxRange  = 31 // days in one "from..to" line; the longest break is 9
	maxErrors = 20
)

// ParseNotice reads one year's notice as an admin types it, one rule a line:
//
//	# comment (also after a rule)
//	source 国办发明电〔2025〕7号
//	2027-01-01 holiday new_year
//	2027-02-06..2027-02-14 holiday spring_festival
//	2027-02-20 workday spring_festival
//
// A rule is a day or an inclusive range ("..", "~" or "至"), then holiday
// (休) or workday (班), then a holiday name: one of Names, with or without
// the "calendar.holiday." prefix; required for holidays. Errors are on
// field "text" with args line (1-based) and value, up to 20 of them.
func ParseNotice(year int, text string) (Notice, error) {
	n := Notice{Year: year}
	var f guanxi.Fields
	add := func(line int, key, value string, extra ...any) {
		// A generic validation message would not say which line; each has a
		// line-aware counterpart.
		key = lineKey(key)
		args := map[string]any{"line": line, "value": value}
		for i := 0; i+1 < len(extra); i += 2 {
			args[extra[i].(string)] = extra[i+1]
		}
		f.Add("text", key, args)
	}
	if year < minYear || year > maxYear {
		f.Add("year", "calendar.year_range", map[string]any{"min": minYear, "max": maxYear})
		return n, f.Err()
	}
	if len(text) > maxText {
		f.Add("text", "validation.too_long", map[string]any{"max": maxText})
		return n, f.Err()
	}
	seen := map[Day]int{} // day → index in n.Entries
	lineOf := map[Day]int{}
	sourceLine := 0
	for i, raw := range strings.Split(text, "\n") {
		if len(f) >= maxErrors {
			break
		}
		line := i + 1
		s, _, _ := strings.Cut(raw, "#")
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(s, "source"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			if sourceLine != 0 {
				add(line, "calendar.duplicate_source", s, "other", sourceLine)
				continue
			}
			n.Source, sourceLine = strings.TrimSpace(rest), line
			continue
		}
		fields := strings.Fields(s)
		if len(fields) < 2 || len(fields) > 3 {
			add(line, "calendar.line_syntax", s)
			continue
		}
		from, to, ok := parseRange(fields[0])
		if !ok {
			add(line, "validation.date", fields[0])
			continue
		}
		if to < from {
			add(line, "validation.date_order", fields[0])
			continue
		}
		if int(to-from) >= maxRange {
			add(line, "calendar.range_too_long", fields[0], "max", maxRange)
			continue
		}
		kind, ok := parseKind(fields[1])
		if !ok {
			add(line, "validation.enum", fields[1])
			continue
		}
		name := ""
		if len(fields) == 3 {
			name = fields[2]
			if !strings.HasPrefix(name, namePrefix) {
				name = namePrefix + name
			}
		}
		for d := from; d <= to; d++ {
			e := Entry{Day: d, Kind: kind, Name: name}
			if _, key, args := entryProblem(year, e); key != "" {
				v := fields[0]
				if key == "validation.required" {
					v = s
				} else if key == "calendar.unknown_holiday" {
					v = fields[2]
				}
				add(line, key, v, flatten(args)...)
				break
			}
			if j, dup := seen[d]; dup {
				add(line, clash(n.Entries[j], e), d.String(), "other", lineOf[d])
				break
			}
			seen[d], lineOf[d] = len(n.Entries), line
			n.Entries = append(n.Entries, e)
		}
	}
	if err := f.Err(); err != nil {
		return Notice{Year: year}, err
	}
	return n, nil
}

func flatten(m map[string]any) []any {
	var out []any
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

func parseRange(s string) (from, to Day, ok bool) {
	a, b, isRange := strings.Cut(s, "..")
	if !isRange {
		a, b, isRange = strings.Cut(s, "~")
	}
	if !isRange {
		a, b, isRange = strings.Cut(s, "至")
	}
	from, err := ParseDay(a)
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return from, from, true
	}
	to, err = ParseDay(b)
	return from, to, err == nil
}

func parseKind(s string) (Kind, bool) {
	switch strings.ToLower(s) {
	case "holiday", "休":
		return Holiday, true
	case "workday", "班":
		return Workday, true
	}
	return 0, false
}

// FormatNotice writes n in the text ParseNotice reads, runs of consecutive
// days with the same kind and name joined into one range, so that an admin
// can edit a stored year. Holidays come first, then workdays, each by day.
func FormatNotice(n Notice) string {
	var b strings.Builder
	if n.Source != "" {
		fmt.Fprintf(&b, "source %s\n", n.Source)
	}
	for _, kind := range []Kind{Holiday, Workday} {
		var es []Entry
		for _, e := range n.Entries {
			if e.Kind == kind {
				es = append(es, e)
			}
		}
		sortEntries(es)
		for i := 0; i < len(es); {
			j := i + 1
			for j < len(es) && es[j].Day == es[j-1].Day+1 && es[j].Name == es[i].Name && j-i < maxRange {
				j++
			}
			b.WriteString(es[i].Day.String())
			if j-1 > i {
				b.WriteString(".." + es[j-1].Day.String())
			}
			b.WriteString(" " + kind.String())
			if es[i].Name != "" {
				b.WriteString(" " + strings.TrimPrefix(es[i].Name, namePrefix))
			}
			b.WriteByte('\n')
			i = j
		}
	}
	return b.String()
}

// lineKey maps a generic validation key to a message that names the line.
func lineKey(key string) string {
	switch key {
	case "validation.date":
		return "calendar.line_date"
	case "validation.date_order":
		return "calendar.line_date_order"
	case "validation.enum":
		return "calendar.line_kind"
	case "validation.required":
		return "calendar.line_name_required"
	}
	if strings.HasPrefix(key, "calendar.") {
		return key
	}
	return "calendar.line_syntax"
}
