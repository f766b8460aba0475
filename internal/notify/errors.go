package notify

import (
	"errors"
	"time"
)

// permanentError marks an error the outbox must not retry.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the destination refused the
// message in a way that another attempt cannot change (bad configuration,
// revoked webhook, malformed message). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent. Errors that are not marked (network failures, 5xx, time-outs)
// are retried.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// RetryAfterError is a temporary failure for which the destination said
// how long to wait, e.g. HTTP 429 with a Retry-After header.
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

// Error says what failed and how long the destination asked to wait.
func (e *RetryAfterError) Error() string {
	return e.Err.Error() + " (retry after " + e.Delay.String() + ")"
}

// Unwrap returns the underlying error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter wraps err with the delay the destination asked for.
// RetryAfter(nil, d) is nil.
func RetryAfter(err error, delay time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryAfterError{Delay: max(delay, 0), Err: err}
}

// RetryDelay returns the delay carried by err, if the destination asked
// for one. The outbox should wait at least that long before the next try.
func RetryDelay(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if !errors.As(err, &r) {
		return 0, false
	}
	return r.Delay, true
}
