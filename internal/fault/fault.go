// Package fault is how domain packages say what went wrong in terms a client
// can act on: a kind (which the API maps to an HTTP status), a stable
// machine-readable code, a message for people, and field details. Domain
// packages never import HTTP; api/ alone decides status codes from the kind.
package fault

import (
	"errors"
	"time"
)

// Kind classifies an error for the client.
type Kind int

const (
	Malformed        Kind = iota + 1 // the request cannot be read (400)
	Unauthenticated                  // no or bad credentials (401)
	Forbidden                        // outside role or scope (403)
	NotFound                         // unknown or not visible (404)
	Conflict                         // conflicts with current state (409)
	Gone                             // existed, no longer usable (410)
	Invalid                          // fails validation (422)
	Locked                           // account locked for a while (423)
	RateLimited                      // too many requests (429)
	Unavailable                      // not ready to serve yet (503)
	TooLarge                         // an upload over its limit (413)
	UnsupportedMedia                 // an upload of a type not allowed (415)
)

// Field is one invalid input field, or one bad row of an upload.
type Field struct {
	Field   string `json:"field,omitempty"`
	Row     int    `json:"row,omitempty"`
	Message string `json:"message"`
}

// Error is a client-facing domain error.
type Error struct {
	Kind       Kind
	Code       string // stable, snake_case: "attempts_exhausted"
	Message    string // for people, in Chinese
	Fields     []Field
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is makes errors.Is match errors of the same kind and code, so a sentinel
// matches a copy that carries details.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code
}

// New returns an error of kind with code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// WithRetry returns a copy of e that tells the client when to retry.
func (e *Error) WithRetry(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// Validation collects invalid fields; Err returns nil when there are none.
type Validation struct{ fields []Field }

// Add records that field is invalid.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, Field{Field: field, Message: message})
}

// Err is a 422 validation_failed error listing the fields, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "validation_failed", Message: "提交的内容有误：" + v.fields[0].Message, Fields: v.fields}
}

// Common errors shared by domains.
var (
	ErrOutOfScope = New(Forbidden, "out_of_scope", "该区域不在您的管辖范围内")
	ErrRole       = New(Forbidden, "forbidden", "您的角色无权进行此操作")
)
