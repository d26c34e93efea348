// Package settings defines the settings stored in the database, with their
// defaults and validation. CONTRACT STUB.
package settings

// Service reads and changes settings.
type Service struct{}
