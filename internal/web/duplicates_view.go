package web

import (
	"encoding/json"
	"slices"
)

// MergedFrom lists the numbers of the customers merged into this one, from
// the merge entries of its history (which includes merged customers' own).
func (v *customerView) MergedFrom() []string {
	var out []string
	for _, e := range v.History {
		if e.Action != "customer.merge" {
			continue
		}
		var d struct {
			Number string `json:"merged_number"`
		}
		if json.Unmarshal([]byte(e.Detail), &d) == nil && d.Number != "" && !slices.Contains(out, d.Number) {
			out = append(out, d.Number)
		}
	}
	return out
}
