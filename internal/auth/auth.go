// Package auth signs staff in: argon2id password hashing (password.go),
// the asvs and mlps3 policies (policy.go), lockout (lockout.go), API tokens
// (token.go) and the sign-in use cases (service.go). It does no I/O; storage
// is behind Store, which *sqlstore.Store implements.
package auth
