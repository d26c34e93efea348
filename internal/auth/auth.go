// Package auth signs staff in: password hashing, policies, lockout and API
// tokens. CONTRACT STUB, replaced by the auth implementation.
package auth

// Service is the sign-in use cases.
type Service struct{}
