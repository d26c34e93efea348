// Package segment is the JSON filter language shared by the customer list,
// segments, care rules and reports. It parses and validates filters against
// an allow-list of fields; the storage layer compiles a validated Node to SQL
// with bound parameters only. It does no I/O.
package segment

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
