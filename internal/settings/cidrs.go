package settings

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// ParseCIDRs reads a KindCIDRs value: networks or single addresses
// separated by commas, semicolons or white space. Each is returned masked
// (10.1.2.3/8 becomes 10.0.0.0/8); an IPv4-mapped IPv6 form counts as IPv4.
// Prefixes shorter than /8 (10.0.0.0/8, fd00::/8) are refused as too broad:
// the list opens holes in a filter, it must not switch the filter off.
func ParseCIDRs(value string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for _, s := range strings.FieldsFunc(value, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		p, err := parseCIDR(s)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func parseCIDR(s string) (netip.Prefix, error) {
	bad := guanxi.Invalid(guanxi.FieldError{Field: "value", Key: "settings.cidr_invalid", Args: map[string]any{"value": s}})
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, bad
		}
	} else {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" {
			return p, bad
		}
		p = netip.PrefixFrom(ip, ip.BitLen())
	}
	if ip := p.Addr(); ip.Is4In6() {
		// ::ffff:10.0.0.0/104 is 10.0.0.0/8; a dialled address is unmapped
		// before it is compared.
		if p.Bits() < 96 {
			return p, bad
		}
		p = netip.PrefixFrom(ip.Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if p.Bits() < 8 {
		return p, guanxi.Invalid(guanxi.FieldError{Field: "value", Key: "settings.cidr_too_broad", Args: map[string]any{"value": s}})
	}
	return p, nil
}

// validateCIDRs normalises a KindCIDRs value to "a, b, c" (empty is fine).
func validateCIDRs(value string, maxLen int) (string, error) {
	if maxLen > 0 && utf8.RuneCountInString(value) > maxLen {
		return value, guanxi.Invalid(guanxi.FieldError{Field: "value", Key: "validation.too_long",
			Args: map[string]any{"max": maxLen}})
	}
	ps, err := ParseCIDRs(value)
	if err != nil {
		return value, err
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", "), nil
}
