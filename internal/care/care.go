// Package care is care automation (关怀, M6): rules that find the customers
// due a birthday or festival greeting, an anniversary, a service, an expiry
// or loan-due notice, or a dormancy call, and turn each (rule, customer,
// occurrence) into exactly one task and/or message. It does no I/O; the
// Service declares the Store it needs.
package care

import "time"

// Service manages care rules and runs them.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Store is what the service needs from storage.
type Store interface{}
