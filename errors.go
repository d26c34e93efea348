package guanxi

import (
	"errors"
	"fmt"
)

// Kind classifies an error; one table in the server maps kinds to statuses.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
	KindUnauthorized
	KindPreconditionFailed   // stale If-Match
	KindPreconditionRequired // missing If-Match
	KindTooMany
	KindUnavailable
)

// FieldError names a field (a JSON path such as "phones.mobile") and the
// message key that explains what is wrong with it.
type FieldError struct {
	Field string         `json:"field"`
	Key   string         `json:"key"`
	Args  map[string]any `json:"args,omitempty"`
}

// Error is the error every layer returns. It carries a message key, never
// English text, so each surface can render it in the caller's language.
type Error struct {
	Kind   Kind
	Key    string
	Args   map[string]any
	Fields []FieldError
	Err    error // cause, for logs only
}

func (e *Error) Error() string {
	s := e.Key
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err; unknown errors are internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns err as *Error, wrapping unknown errors as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Key: "error.internal", Err: err}
}

// NotFound reports that the object does not exist or is out of the caller's scope.
func NotFound(key string) error { return &Error{Kind: KindNotFound, Key: key} }

// ErrOutOfScope is the cause of a NotFound for an object that exists but
// is out of the caller's scope: the caller gets the same 404 as for a
// missing id, and the surfaces audit it as an access denial (TESTPLAN E1).
var ErrOutOfScope = errors.New("out of scope")

// OutOfScope is NotFound(key) caused by ErrOutOfScope.
func OutOfScope(key string) error { return &Error{Kind: KindNotFound, Key: key, Err: ErrOutOfScope} }

// IsOutOfScope reports whether err is an out-of-scope NotFound.
func IsOutOfScope(err error) bool { return errors.Is(err, ErrOutOfScope) }

// Invalid reports field errors; nothing was written.
func Invalid(fields ...FieldError) error {
	return &Error{Kind: KindInvalid, Key: "error.invalid", Fields: fields}
}

// InvalidKey reports a request-level validation error with a message key.
func InvalidKey(key string, args map[string]any) error {
	return &Error{Kind: KindInvalid, Key: key, Args: args}
}

// Conflict reports a uniqueness or version conflict.
func Conflict(key string, args map[string]any) error {
	return &Error{Kind: KindConflict, Key: key, Args: args}
}

// Forbidden reports that the caller lacks a permission.
func Forbidden(key string) error { return &Error{Kind: KindForbidden, Key: key} }

// Unauthorized reports a missing or failed authentication.
func Unauthorized(key string) error { return &Error{Kind: KindUnauthorized, Key: key} }

// Stale reports a failed optimistic-concurrency check against If-Match.
func Stale(current int64) error {
	return &Error{Kind: KindPreconditionFailed, Key: "error.stale", Args: map[string]any{"version": current}}
}

// Internal wraps an unexpected error.
func Internal(err error) error { return &Error{Kind: KindInternal, Key: "error.internal", Err: err} }

// Field builds a FieldError.
func Field(field, key string) FieldError { return FieldError{Field: field, Key: key} }

// Fields accumulates field errors during validation.
type Fields []FieldError

// Add records an error on field.
func (f *Fields) Add(field, key string, args ...map[string]any) {
	fe := FieldError{Field: field, Key: key}
	if len(args) > 0 {
		fe.Args = args[0]
	}
	*f = append(*f, fe)
}

// Err returns an Invalid error, or nil when there are no field errors.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
