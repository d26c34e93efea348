// Package renewal is renewal tracking and analysis (SUB-*) of
// subscriptions and contracts: due, renewed and lapsed per month, the
// renewal rate, fees and the distribution of non-renewal reasons. It does
// no I/O; the Service declares the Store it needs.
package renewal

import "time"

// Service records renewal outcomes and reports on them.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Store is what the service needs from storage.
type Store interface{}
