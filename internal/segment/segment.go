// Package segment is the JSON filter language shared by the customer list,
// segments, care rules and reports. It parses and validates filters against
// an allow-list of fields; the storage layer compiles a validated Node to SQL
// with bound parameters only. It does no I/O.
//
// A filter is a tree of nodes; each node is exactly one of
//
//	{"and": [node, ...]}  {"or": [node, ...]}  {"not": node}
//	{"field": "stage", "op": "in", "value": ["customer", "dormant"]}
//
// Values: a scalar for eq, ne, gt, gte, lt, lte, contains, prefix; a list
// for in, nin, has_any, has_all, has_none; a pair for between; nothing for
// empty and not_empty.
package segment

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/guanxi-crm/guanxi"
)

// Node is one node of a filter: a boolean group (And, Or, Not) or a
// condition (Field Op Value).
type Node struct {
	And   []*Node `json:"and,omitempty"`
	Or    []*Node `json:"or,omitempty"`
	Not   *Node   `json:"not,omitempty"`
	Field string  `json:"field,omitempty"`
	Op    string  `json:"op,omitempty"`
	Value any     `json:"value,omitempty"`
}

// Limits on one filter, so a stored segment or an API call cannot make the
// database do unbounded work.
const (
	MaxDepth     = 8
	MaxNodes     = 100
	MaxListLen   = 500
	MaxStringLen = 200 // runes
	// MaxValues bounds the values of all lists together, keeping a filter
	// far below the engines' bound-parameter limits (SQLite 32766).
	MaxValues = 2000
)

// Parse decodes and validates a filter. Empty input or JSON null is no
// filter: (nil, nil). Unknown keys are refused.
func Parse(data []byte) (*Node, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var n Node
	if err := dec.Decode(&n); err != nil {
		return nil, syntaxErr()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, syntaxErr()
	}
	if err := Validate(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

func syntaxErr() error {
	return guanxi.Invalid(guanxi.Field("filter", "validation.filter_syntax"))
}

// Validate checks n against the allow-list and the limits. A nil node is
// valid (no filter). Errors name the path of the offending part, e.g.
// "filter.and[1].op".
func Validate(n *Node) error {
	if n == nil {
		return nil
	}
	var c counter
	return validate(n, "filter", 1, &c)
}

type counter struct{ nodes, values int }

func invalid(path, key string, args map[string]any) error {
	return guanxi.Invalid(guanxi.FieldError{Field: path, Key: key, Args: args})
}

func validate(n *Node, path string, depth int, count *counter) error {
	if n == nil {
		return invalid(path, "validation.filter_node", nil)
	}
	count.nodes++
	if count.nodes > MaxNodes {
		return invalid(path, "validation.filter_size", map[string]any{"max": MaxNodes})
	}
	if depth > MaxDepth {
		return invalid(path, "validation.filter_depth", map[string]any{"max": MaxDepth})
	}
	kinds := 0
	for _, set := range []bool{n.And != nil, n.Or != nil, n.Not != nil, n.Field != "" || n.Op != "" || n.Value != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return invalid(path, "validation.filter_node", nil)
	}
	switch {
	case n.And != nil || n.Or != nil:
		list, name := n.And, "and"
		if n.Or != nil {
			list, name = n.Or, "or"
		}
		if len(list) == 0 {
			return invalid(path+"."+name, "validation.filter_node", nil)
		}
		for i, c := range list {
			if err := validate(c, path+"."+name+"["+itoa(i)+"]", depth+1, count); err != nil {
				return err
			}
		}
		return nil
	case n.Not != nil:
		return validate(n.Not, path+".not", depth+1, count)
	}
	f, ok := Lookup(n.Field)
	if !ok {
		return invalid(path+".field", "validation.filter_field", nil)
	}
	if !f.allows(n.Op) {
		return invalid(path+".op", "validation.filter_op", nil)
	}
	vs, err := Values(n, path)
	if err != nil {
		return err
	}
	count.values += len(vs)
	if count.values > MaxValues {
		return invalid(path+".value", "validation.filter_values", map[string]any{"max": MaxValues})
	}
	return nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
