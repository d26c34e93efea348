package calendar_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/calendar"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// TestMessageKeysExist checks that every message key the package can
// return, and every holiday name, has zh-CN and en text.
func TestMessageKeysExist(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	keys := calendar.Names()
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"(calendar\.[a-z_.]+[a-z_])"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if m[1] != "calendar.holiday." {
				keys = append(keys, m[1])
			}
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		for _, lang := range i18n.Langs {
			if !b.Has(lang, k) {
				t.Errorf("%s has no %s text", k, lang)
			}
		}
	}
}
