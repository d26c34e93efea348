package bulk

import (
	"os"
	"regexp"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// TestMessageKeys checks that every import.* key the reading code uses and
// every field label exists in both languages (the i18n source scan does not
// look at the import.* prefix).
func TestMessageKeys(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile(`"(import\.(?:file|problem|report)\.[a-z0-9_]+)"`)
	var keys []string
	// The reading side's files; the importer and exporter check their own.
	for _, f := range []string{"open.go", "read_csv.go", "read_xlsx.go", "normalize.go", "normalize_date.go", "normalize_money.go",
		"fields.go", "automap.go", "convert.go", "convert_children.go", "merge.go", "report.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for _, e := range Entities {
		for _, f := range Fields(e, nil) {
			keys = append(keys, "import.field."+string(e)+"."+f.Key)
		}
	}
	for _, k := range keys {
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("key %q has no %s text", k, lang)
			}
		}
	}
}
