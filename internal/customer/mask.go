package customer

import "unicode/utf8"

// MaskIDNumber keeps the first 3 and last 4 characters: 330***********1234.
func MaskIDNumber(s string) string { return maskMiddle(s, 3, 4) }

// MaskPhone keeps the first 3 and last 4 digits of a mobile (138****5678);
// shorter numbers keep only the last 4.
func MaskPhone(s string) string {
	if len(s) >= 11 {
		return maskMiddle(s, 3, 4)
	}
	return maskMiddle(s, 0, 4)
}

// MaskAccount keeps the last 4 characters of an account or card number.
func MaskAccount(s string) string { return maskMiddle(s, 0, 4) }

func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		// Too short to keep both ends: keep at most the last quarter.
		keep := n / 4
		r := []rune(s)
		out := make([]rune, n)
		for i := range out {
			if i >= n-keep {
				out[i] = r[i]
			} else {
				out[i] = '*'
			}
		}
		return string(out)
	}
	r := []rune(s)
	for i := head; i < n-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// MaskedHoldingKinds are holdings whose Reference is an account number.
func MaskedHoldingKinds(k HoldingKind) bool { return k == "loan" || k == "deposit" }

// Mask returns a copy of c with ID number and phones masked.
func (c Customer) Mask() Customer {
	c.IDNumber = MaskIDNumber(c.IDNumber)
	c.Mobile = MaskPhone(c.Mobile)
	c.Phone = MaskPhone(c.Phone)
	return c
}

// Mask returns a copy of ct with phones masked.
func (ct Contact) Mask() Contact {
	ct.Mobile = MaskPhone(ct.Mobile)
	ct.Phone = MaskPhone(ct.Phone)
	return ct
}

// Mask returns a copy of h with the account reference masked when it is one.
func (h Holding) Mask() Holding {
	if MaskedHoldingKinds(h.Kind) {
		h.Reference = MaskAccount(h.Reference)
	}
	return h
}
