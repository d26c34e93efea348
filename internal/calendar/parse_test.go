package calendar

import (
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestParseNotice(t *testing.T) {
	text := `# 国务院办公厅关于2027年部分节假日安排的通知
source 国办发明电〔2026〕9号   # the number
2027-01-01..2027-01-03 holiday new_year
2027-02-06~2027-02-08 休 calendar.holiday.spring_festival

2027-02-20 班 spring_festival
2027-02-21 workday
2026-12-31 holiday new_year
`
	n, err := ParseNotice(2027, strings.ReplaceAll(text, "\n", "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{day("2027-01-01"), Holiday, NewYear}, {day("2027-01-02"), Holiday, NewYear}, {day("2027-01-03"), Holiday, NewYear},
		{day("2027-02-06"), Holiday, SpringFestival}, {day("2027-02-07"), Holiday, SpringFestival},
		{day("2027-02-08"), Holiday, SpringFestival},
		{day("2027-02-20"), Workday, SpringFestival}, {day("2027-02-21"), Workday, ""},
		{day("2026-12-31"), Holiday, NewYear},
	}
	if n.Year != 2027 || n.Source != "国办发明电〔2026〕9号" || !sameEntries(n.Entries, want) {
		t.Errorf("ParseNotice = %+v", n)
	}
	if err := n.Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseNoticeErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		key        string
	}{
		{"bad date", "2027-02-30 holiday new_year", 1, "calendar.line_date"},
		{"bad range", "2027-02-01..2027-13-01 holiday new_year", 1, "calendar.line_date"},
		{"range backwards", "2027-02-08..2027-02-06 holiday spring_festival", 1, "calendar.line_date_order"},
		{"range too long", "2027-01-01..2027-03-01 holiday spring_festival", 1, "calendar.range_too_long"},
		{"unknown kind", "# c\n2027-01-01 off new_year", 2, "calendar.line_kind"},
		{"too few fields", "2027-01-01", 1, "calendar.line_syntax"},
		{"too many fields", "2027-01-01 holiday new year", 1, "calendar.line_syntax"},
		{"holiday without name", "2027-01-01 holiday", 1, "calendar.line_name_required"},
		{"unknown name", "2027-01-01 holiday christmas", 1, "calendar.unknown_holiday"},
		{"outside year", "2028-05-01 holiday labour_day", 1, "calendar.day_outside_year"},
		{"duplicate", "2027-01-01 holiday new_year\n\n2027-01-01 holiday new_year", 3, "calendar.duplicate_day"},
		{"overlapping ranges", "2027-10-01..2027-10-07 holiday national_day\n2027-10-07..2027-10-08 holiday national_day", 2, "calendar.duplicate_day"},
		{"holiday and workday", "2027-10-01..2027-10-07 holiday national_day\n2027-10-03 workday", 2, "calendar.conflicting_day"},
		{"two sources", "source a\nsource b", 2, "calendar.duplicate_source"},
	}
	for _, tc := range tests {
		_, err := ParseNotice(2027, tc.text)
		e := guanxi.AsError(err)
		if err == nil || e.Kind != guanxi.KindInvalid || len(e.Fields) == 0 {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		f := e.Fields[0]
		if f.Field != "text" || f.Key != tc.key || f.Args["line"] != tc.line || f.Args["value"] == "" {
			t.Errorf("%s: got %+v, want line %d %s", tc.name, f, tc.line, tc.key)
		}
	}
}

func TestParseNoticeReportsEveryBadLine(t *testing.T) {
	_, err := ParseNotice(2027, "x\n2027-01-01 holiday new_year\ny\nz")
	if e := guanxi.AsError(err); len(e.Fields) != 3 || e.Fields[2].Args["line"] != 4 {
		t.Errorf("err = %v", err)
	}
	_, err = ParseNotice(2027, strings.Repeat("x\n", 100))
	if e := guanxi.AsError(err); len(e.Fields) != maxErrors {
		t.Errorf("%d errors, want the first %d", len(e.Fields), maxErrors)
	}
	if _, err := ParseNotice(2027, strings.Repeat("#", maxText+1)); !hasField(err, "text", "validation.too_long") {
		t.Errorf("long text: %v", err)
	}
	if _, err := ParseNotice(27, ""); !hasField(err, "year", "calendar.year_range") {
		t.Errorf("year 27: %v", err)
	}
}

func FuzzParseNotice(f *testing.F) {
	for _, n := range Builtin() {
		f.Add(n.Year, FormatNotice(n))
	}
	f.Add(2027, "2027-01-01..2027-01-03 休 new_year\n2027-01-04 班\nsource x # y")
	f.Add(2027, "2027-10-01~2027-10-07 holiday national_day\n2027-10-03 workday")
	f.Add(2027, "2027-02-08..2027-02-06 holiday\n\r\n#\nsource")
	f.Fuzz(func(t *testing.T, year int, text string) {
		n, err := ParseNotice(year, text)
		if err != nil {
			if e := guanxi.AsError(err); e.Kind != guanxi.KindInvalid || len(e.Fields) == 0 || len(e.Fields) > maxErrors {
				t.Fatalf("error %v is not a bounded Invalid", err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("parsed notice fails Validate: %v", err)
		}
		back, err := ParseNotice(year, FormatNotice(n))
		if err != nil {
			t.Fatalf("formatted notice does not parse: %v\n%s", err, FormatNotice(n))
		}
		if back.Source != n.Source || !sameEntries(back.Entries, n.Entries) {
			t.Fatalf("round trip changed the notice:\n%s", FormatNotice(n))
		}
		if _, err := New(SatSun, n); err != nil {
			t.Fatalf("New refuses a parsed notice: %v", err)
		}
	})
}
