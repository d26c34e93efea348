// Package i18n holds the embedded zh-CN and en message catalogs. CONTRACT STUB.
package i18n

// Bundle translates message keys.
type Bundle struct{}

// T returns the message for key in lang with args filled in; an unknown key
// returns the key itself.
func (b *Bundle) T(lang, key string, args map[string]any) string { return key }
