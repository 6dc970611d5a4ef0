// Package apperr is the one error shape that carries a message a person can act on from the
// domain packages to the desktop UI, the widget and vouchd. Any other error is an internal fault:
// it is logged and shown as a generic message, never passed through verbatim.
package apperr

import (
	"errors"
	"fmt"
)

// Codes say what kind of problem it is; the UI may branch on them.
const (
	CodeInvalid   = "invalid_input"
	CodeNotFound  = "not_found"
	CodeConflict  = "conflict"
	CodeForbidden = "forbidden"
	CodeInternal  = "internal"
)

// Error is a problem with a message for people. Field names the input it is about, if any, using
// the JSON name the UI sent.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Err is the underlying cause, for logs only.
	Err error `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports bad input in one field.
func Invalid(field, message string) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: message}
}

// Conflict reports that the request clashes with what exists.
func Conflict(message string) *Error { return &Error{Code: CodeConflict, Message: message} }

// NotFound reports that the thing asked for does not exist (in this organization).
func NotFound(message string) *Error { return &Error{Code: CodeNotFound, Message: message} }

// Forbidden reports that the acting agent's role does not allow the action.
func Forbidden(message string) *Error { return &Error{Code: CodeForbidden, Message: message} }

// As returns err as an *Error when it is one (anywhere in its chain).
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
