// Package appointment is appointments (预约, M7): kinds, resources with
// slots and capacity, the booking lifecycle with reminders, and the
// appointment success rate. It does no I/O; the Service declares the Store
// it needs.
package appointment

import "time"

// Service books and tracks appointments.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Store is what the service needs from storage.
type Store interface{}
