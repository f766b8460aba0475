package channel

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/notify"
)

// SendError is a test message the destination did not take; Err is what
// it answered (notify.Describe tells its kind without its text).
type SendError struct {
	Err error
}

func (e *SendError) Error() string { return fmt.Sprintf("test message: %v", e.Err) }
func (e *SendError) Unwrap() error { return e.Err }

// SendTest sends the test message to channel id of tenant now, bypassing
// the outbox and bounded by TestTimeout, so that the operator sees at once
// whether the configuration works; the API and the console both call it.
// An unknown channel is storage.ErrNotFound; a refused send a *SendError.
func (s *Store) SendTest(ctx context.Context, tenant string, id int64) (notify.Message, error) {
	ch, m, err := s.PrepareTest(ctx, tenant, id)
	if err != nil {
		return m, err
	}
	ctx, cancel := context.WithTimeout(ctx, TestTimeout)
	defer cancel()
	if err := ch.Send(ctx, m); err != nil {
		return m, &SendError{Err: err}
	}
	return m, nil
}
