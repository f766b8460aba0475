package slack

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
)

// TestAckLinkIsAButton: a notice with a signed acknowledgement link shows
// it as its own button, captioned in the message's language, and the
// provider's contract fake accepts it.
func TestAckLinkIsAButton(t *testing.T) {
	srv := slacktest.NewServer(t)
	notifytest.AckButton(t, func(v notify.View) any { return newPayload(v) }, func(m notify.Message) error {
		if err := newChannel(t, srv).Send(context.Background(), m); err != nil {
			return fmt.Errorf("%w (%+v)", err, srv.Rejections())
		}
		_, err := srv.WaitFor(1, 5*time.Second)
		return err
	})
}
