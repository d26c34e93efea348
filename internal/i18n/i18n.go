// Package i18n holds the embedded zh-CN and en message catalogs and turns
// message keys into text. Catalogs are flat TOML files named
// locales/<area>.<lang>.toml, one pair per area (core, web, auth, ...), so
// each part of the code base owns its own keys.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var locales embed.FS

// Default is the language used when nothing else matches.
const Default = "zh-CN"

// Langs are the supported languages, default first.
var Langs = []string{"zh-CN", "en"}

var tags = []language.Tag{language.MustParse("zh-CN"), language.English}

// Bundle translates message keys. It is immutable after New and safe for
// concurrent use.
type Bundle struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	keys       map[string]map[string]bool // lang -> key set
	matcher    language.Matcher
}

// New loads every embedded catalog.
func New() (*Bundle, error) {
	return load(locales)
}

func load(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{
		bundle:     goi18n.NewBundle(tags[0]),
		localizers: map[string]*goi18n.Localizer{},
		keys:       map[string]map[string]bool{},
		matcher:    language.NewMatcher(tags),
	}
	b.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, lang := range Langs {
		b.keys[lang] = map[string]bool{}
	}
	for _, f := range files {
		lang := langOf(f)
		if !slices.Contains(Langs, lang) {
			return nil, fmt.Errorf("i18n: %s: unsupported language %q", f, lang)
		}
		buf, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := b.bundle.ParseMessageFileBytes(buf, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		for _, m := range mf.Messages {
			if b.keys[lang][m.ID] {
				return nil, fmt.Errorf("i18n: %s: key %q defined twice for %s", f, m.ID, lang)
			}
			b.keys[lang][m.ID] = true
		}
	}
	for _, lang := range Langs {
		// Fall back to the default language so that a key missing in one
		// catalog still shows text (the tests make sure none is missing).
		b.localizers[lang] = goi18n.NewLocalizer(b.bundle, lang, Default)
	}
	return b, nil
}

// langOf returns the language part of "locales/core.zh-CN.toml".
func langOf(file string) string {
	base := strings.TrimSuffix(path.Base(file), ".toml")
	if i := strings.IndexByte(base, '.'); i >= 0 {
		return base[i+1:]
	}
	return ""
}

// T returns the message for key in lang with args filled in ({{.max}}); an
// unknown key returns the key itself so that a gap is visible, not fatal.
// An int "count" arg selects the plural form where a catalog has one.
func (b *Bundle) T(lang, key string, args map[string]any) string {
	if b == nil {
		return key
	}
	l, ok := b.localizers[lang]
	if !ok {
		l = b.localizers[Default]
	}
	lc := &goi18n.LocalizeConfig{MessageID: key, TemplateData: args}
	if n, ok := args["count"]; ok {
		lc.PluralCount = n
	}
	s, err := l.Localize(lc)
	if err != nil && lc.PluralCount != nil {
		// A message without plural forms still reads fine with its count.
		lc.PluralCount = nil
		s, err = l.Localize(lc)
	}
	if err != nil || s == "" {
		return key
	}
	return s
}

// Has reports whether lang's catalogs define key.
func (b *Bundle) Has(lang, key string) bool { return b.keys[lang][key] }

// Keys lists the keys defined for lang, sorted.
func (b *Bundle) Keys(lang string) []string {
	out := make([]string, 0, len(b.keys[lang]))
	for k := range b.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Match picks a supported language from an Accept-Language header; the
// default is zh-CN.
func (b *Bundle) Match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, i, conf := b.matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	return Langs[i]
}

// Valid reports whether lang is a supported language.
func Valid(lang string) bool { return slices.Contains(Langs, lang) }
