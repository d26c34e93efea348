package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

func TestCatalogsHaveEveryKeyInBothLanguages(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Keys("zh-CN")) == 0 {
		t.Fatal("no zh-CN keys loaded")
	}
	for _, lang := range Langs {
		for _, other := range Langs {
			for _, k := range b.Keys(lang) {
				if !b.Has(other, k) {
					t.Errorf("key %q is in %s but missing in %s", k, lang, other)
				}
			}
		}
	}
}

func TestT(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T("zh-CN", "validation.required", nil); got != "必填" {
		t.Errorf("zh-CN required = %q", got)
	}
	if got := b.T("en", "validation.too_long", map[string]any{"max": 5}); got != "At most 5 characters" {
		t.Errorf("en too_long = %q", got)
	}
	if got := b.T("fr", "validation.required", nil); got != "必填" {
		t.Errorf("unknown language should fall back to zh-CN, got %q", got)
	}
	if got := b.T("en", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("unknown key = %q", got)
	}
	if got := b.T("en", "web.transfer.count", map[string]any{"count": 1}); got != "1 customer selected" {
		t.Errorf("en plural one = %q", got)
	}
	if got := b.T("en", "web.transfer.count", map[string]any{"count": 3}); got != "3 customers selected" {
		t.Errorf("en plural other = %q", got)
	}
	if got := b.T("zh-CN", "validation.too_many", map[string]any{"count": 1, "max": 2}); got != "最多 2 项" {
		t.Errorf("count on a message without plural forms = %q", got)
	}
	var nilBundle *Bundle
	if got := nilBundle.T("en", "x.y", nil); got != "x.y" {
		t.Errorf("nil bundle = %q", got)
	}
}

func TestMatch(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"":                        "zh-CN",
		"en-US,en;q=0.9":          "en",
		"zh-CN,zh;q=0.9,en;q=0.8": "zh-CN",
		"zh":                      "zh-CN",
		"fr-FR":                   "zh-CN",
		"de;q=0.9, en-GB;q=0.8":   "en",
		"garbage;;;":              "zh-CN",
		"zh-Hans-CN":              "zh-CN",
	} {
		if got := b.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

// keyLiteral matches a Go string literal that is a whole message key.
var keyLiteral = regexp.MustCompile("[\"`]((?:error|validation|auth|field|demo|search|api|web|customer|settings)\\.[a-z0-9_.]+)[\"`]")

// TestSourceKeysExist fails when non-test Go code uses a message key that
// no catalog defines.
func TestSourceKeysExist(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// Permission names share the dotted shape ("field.admin") but are not
	// message keys.
	notKeys := map[string]bool{}
	for _, r := range guanxi.Roles {
		for _, p := range r.Permissions() {
			notKeys[string(p)] = true
		}
	}
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root not found: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(src), -1) {
			key := strings.TrimSuffix(m[1], ".")
			if notKeys[key] || settingKey(key) {
				continue
			}
			checked++
			for _, lang := range Langs {
				if !b.Has(lang, key) {
					t.Errorf("%s: key %q has no %s text", path, key, lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no message keys found in the source: the scan is broken")
	}
}

// settingKey reports whether key names a stored setting (auth.lockout_minutes)
// rather than a message; settings share the auth.* and customer.* prefixes.
func settingKey(key string) bool {
	_, ok := settings.Lookup(key)
	return ok
}
