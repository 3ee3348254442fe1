package roster

import (
	"errors"
	"fmt"
)

// Code classifies an error so that each edge (a REST dialect, the command
// line) can choose its own way of reporting it.
type Code string

// The error codes. Every layer returns *Error with one of these, or a plain
// error, which counts as EInternal.
const (
	EInvalid      Code = "invalid"      // the input is malformed or breaks a rule of its own
	ENotFound     Code = "not_found"    // the thing does not exist in the caller's partner
	EConflict     Code = "conflict"     // the change clashes with the current state
	EUnauthorized Code = "unauthorized" // no valid credentials
	EForbidden    Code = "forbidden"    // valid credentials without the right
	EInternal     Code = "internal"     // a fault of ours; its detail is logged, never shown
)

// Error is an error whose message is safe to show to the caller.
type Error struct {
	Code    Code
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the Code of the first *Error in its
// chain, EInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for any other error, so that no internal detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
