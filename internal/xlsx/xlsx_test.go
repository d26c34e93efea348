package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, []Sheet{
		{Name: "指标 KPIs", Header: []string{"名称", "值"}, Rows: [][]any{{"=HYPERLINK(\"x\")", 1.5}, {"-2", int64(-2)}, {"正常", nil}}},
		{Name: "a/b:c*d?[e]", Header: []string{"x"}, Rows: [][]any{{"@SUM(A1)"}, {"\tTab"}}, Widths: []float64{30}},
		{Name: "A/B:C*D?[E]", Rows: [][]any{{"+1"}}}, // same name after cleaning, in another case
		{Name: "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五", Rows: [][]any{{true}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 4 || names[0] != "指标 KPIs" || names[1] != "a_b_c_d__e_" || names[2] != "A_B_C_D__E_(2)" || len([]rune(names[3])) != 31 {
		t.Fatalf("sheets %q", names)
	}
	for _, tc := range []struct{ sheet, cell, want string }{
		{names[0], "A1", "名称"},
		{names[0], "A2", "'=HYPERLINK(\"x\")"},
		{names[0], "B2", "1.5"},
		{names[0], "A3", "'-2"},
		{names[0], "B3", "-2"}, // numbers stay numbers
		{names[1], "A2", "'@SUM(A1)"},
		{names[1], "A3", "'\tTab"},
		{names[2], "A1", "'+1"},
	} {
		got, err := f.GetCellValue(tc.sheet, tc.cell)
		if err != nil || got != tc.want {
			t.Errorf("%s!%s = %q (%v), want %q", tc.sheet, tc.cell, got, err, tc.want)
		}
		if formula, _ := f.GetCellFormula(tc.sheet, tc.cell); formula != "" {
			t.Errorf("%s!%s has formula %q", tc.sheet, tc.cell, formula)
		}
	}
}
