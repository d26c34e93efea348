package privacy

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPseudonymHasNoInput(t *testing.T) {
	at := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	p := Pseudonym(42, at)
	if !strings.HasPrefix(p, PseudonymPrefix+"-") || len(p) != len(PseudonymPrefix)+9 {
		t.Fatalf("pseudonym %q", p)
	}
	if Pseudonym(43, at) == p || Pseudonym(42, at) != p {
		t.Fatal("pseudonym not stable per id and time")
	}
}

func TestCSVTextNeutralisesFormulas(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "@SUM(A1)": "'@SUM(A1)", "-12.5": "-12.5", "张三": "张三", "+86 138": "'+86 138"} {
		if got := CSVText(in); got != want {
			t.Errorf("CSVText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDocumentFormats(t *testing.T) {
	d := &Document{CustomerID: 1, Tables: []TableRows{{Table: "customers", Columns: []string{"id", "name"}, Rows: [][]any{{int64(1), "=x"}}}}}
	var j, z bytes.Buffer
	if err := d.WriteJSON(&j); err != nil || !strings.Contains(j.String(), `"=x"`) {
		t.Fatalf("json %s %v", j.String(), err)
	}
	if err := d.WriteCSVZip(&z); err != nil || z.Len() == 0 {
		t.Fatalf("zip %v", err)
	}
	if !d.Columns()["customers.name"] {
		t.Fatal("columns")
	}
}

func TestMapIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Map {
		if seen[m.Name] {
			t.Errorf("%s twice", m.Name)
		}
		seen[m.Name] = true
		if _, ok := NotCustomerData[m.Name]; ok {
			t.Errorf("%s both mapped and not customer data", m.Name)
		}
		if m.Erase == Scrub && len(m.Cols) == 0 {
			t.Errorf("%s scrubs nothing", m.Name)
		}
		if m.Why == "" {
			t.Errorf("%s has no reason", m.Name)
		}
	}
}
