package channel

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
)

// testTimeout bounds one test message.
const testTimeout = 30 * time.Second

// SendError is a test message the destination did not take: what it
// answered, secrets removed.
type SendError struct {
	Channel string
	Err     error
}

func (e *SendError) Error() string { return fmt.Sprintf("channel %s: %v", e.Channel, e.Err) }
func (e *SendError) Unwrap() error { return e.Err }

// SendTest sends the test message to channel id of tenant now, bypassing
// the outbox, so that the operator sees at once whether the configuration
// works. An unknown channel is storage.ErrNotFound; a refused send is a
// *SendError.
func (s *Store) SendTest(ctx context.Context, tenant string, id int64) (notify.Message, error) {
	c, err := s.Get(ctx, tenant, id)
	if err != nil {
		return notify.Message{}, err
	}
	dest, err := s.Resolve(ctx, tenant, c.Name)
	if err != nil {
		return notify.Message{}, err
	}
	t, err := s.objects.Tenant(ctx, tenant)
	if err != nil {
		return notify.Message{}, err
	}
	m := TestMessage(t, dest, s.now())
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	if err := dest.Channel.Send(ctx, m); err != nil {
		return m, &SendError{Channel: c.Name, Err: err}
	}
	return m, nil
}
