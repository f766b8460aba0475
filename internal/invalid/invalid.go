// Package invalid carries the one error type for bad input: which field, and why.
//
// Every decoder and validator in unyo returns *invalid.Error for input it refuses,
// so that the HTTP API can answer 400 with {"error": ..., "field": ...} and the
// command line can print the file, line and field.
package invalid

import (
	"errors"
	"fmt"
)

// Error names the field of the input that was refused and the reason.
type Error struct {
	Field  string // dotted path, e.g. "service_level.calendar.hours[0].start"
	Reason string
}

// New returns an *Error for field; reason is formatted with args.
func New(field, reason string, args ...any) *Error {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &Error{Field: field, Reason: reason}
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Prefix puts parent in front of the field of err when err is an *Error,
// so nested validators can name fields relative to themselves.
// Other errors, and nil, are returned unchanged.
func Prefix(parent string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	field := parent
	if e.Field != "" {
		if e.Field[0] == '[' {
			field = parent + e.Field
		} else {
			field = parent + "." + e.Field
		}
	}
	return &Error{Field: field, Reason: e.Reason}
}

// As reports whether err is, or wraps, an *Error, and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
