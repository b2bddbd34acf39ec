// Package apperr is medcode's one error type: a machine-readable code, a
// message safe to show to the user, and the private cause. The HTTP layers
// turn codes into statuses through Status; only Internal errors are logged
// with their cause.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error for callers and for the HTTP status.
type Code string

// The error codes. Each maps to one HTTP status in statuses.
const (
	Invalid       Code = "invalid"        // the request is malformed or fails validation
	Unauthorized  Code = "unauthorized"   // no or bad credentials
	Forbidden     Code = "forbidden"      // authenticated but not allowed (e.g. email not verified)
	NotFound      Code = "not_found"      // no such record for this caller
	Conflict      Code = "conflict"       // a unique value is already taken
	TooLarge      Code = "too_large"      // the request body is over its limit
	PHIFound      Code = "phi_found"      // the PHI guard blocked the note
	RateLimited   Code = "rate_limited"   // too many attempts; try again later
	QuotaExceeded Code = "quota_exceeded" // the monthly usage limit is reached
	Unavailable   Code = "unavailable"    // a dependency is down (database, SMTP)
	Internal      Code = "internal"       // a bug or an unexpected failure
)

var statuses = map[Code]int{
	Invalid:       http.StatusBadRequest,
	Unauthorized:  http.StatusUnauthorized,
	Forbidden:     http.StatusForbidden,
	NotFound:      http.StatusNotFound,
	Conflict:      http.StatusConflict,
	TooLarge:      http.StatusRequestEntityTooLarge,
	PHIFound:      http.StatusUnprocessableEntity,
	RateLimited:   http.StatusTooManyRequests,
	QuotaExceeded: http.StatusTooManyRequests,
	Unavailable:   http.StatusServiceUnavailable,
	Internal:      http.StatusInternalServerError,
}

// Error is an error with a code and a public message. Details, when set, is
// sent to API clients as is (e.g. the PHI spans or the quota reset date);
// it must never carry note text. Cause stays private.
type Error struct {
	Code    Code
	Message string
	Details any
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an Error with a formatted public message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e carrying details for API clients.
func (e *Error) WithDetails(details any) *Error {
	c := *e
	c.Details = details
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the public message of err: the *Error's message, or a
// generic one for foreign errors so that their text never reaches a user.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "Internal error."
}

// DetailsOf returns the public details of err, or nil.
func DetailsOf(err error) any {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Status is the HTTP status for err; 500 for foreign errors.
func Status(err error) int {
	if s, ok := statuses[CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
