package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/notify"
)

// answeringNotify is a NotifySettings whose test message fails the way a
// receiver answering with an internal page makes it fail.
type answeringNotify struct{ answer error }

func (answeringNotify) Channels(context.Context, string) ([]*channel.Channel, error) { return nil, nil }
func (answeringNotify) CreateChannel(context.Context, string, channel.Input) (*channel.Channel, error) {
	return nil, nil
}
func (n answeringNotify) TestChannel(context.Context, string, int64) error           { return n.answer }
func (answeringNotify) Contacts(context.Context, string) ([]*channel.Contact, error) { return nil, nil }
func (answeringNotify) CreateContact(context.Context, *channel.Contact) error        { return nil }
func (answeringNotify) Policies(context.Context, string) ([]*escalation.Policy, error) {
	return nil, nil
}
func (answeringNotify) CreatePolicy(context.Context, *escalation.Policy) error { return nil }

// TestTestMessageFailureHidesTheAnswer: the console says why a test
// message failed by status, in the reader's language, and never shows
// what the destination answered.
func TestTestMessageFailureHidesTheAnswer(t *testing.T) {
	answer := (&notify.Response{StatusCode: 403, Header: http.Header{}, Body: []byte("INTERNAL-ADMIN-PAGE root:x:0:0")}).Err()
	e := newEnv(t, func(o *Options) { o.Notify = answeringNotify{answer: fmt.Errorf("webhook: cannot post: %w", answer)} })
	b := e.login("operator")
	settings := "/tenants/acme/settings/notifications"
	code, page, _ := b.postForm(settings, "/tenants/acme/settings/channels/1/test", url.Values{})
	if code != http.StatusBadGateway || !strings.Contains(page, "403") {
		t.Fatalf("test message = %d, want 502 naming the status:\n%.2000s", code, page)
	}
	if strings.Contains(page, "INTERNAL-ADMIN-PAGE") || strings.Contains(page, "root:x") {
		t.Fatal("the console showed the destination's answer")
	}
	for _, k := range []notify.FailureKind{notify.FailRefusedAddress, notify.FailStatus, notify.FailTimeout, notify.FailTLS, notify.FailUnreachable, notify.FailOther} {
		if _, ok := catalog["ntf.fail."+string(k)]; !ok {
			t.Errorf("no words for ntf.fail.%s", k)
		}
	}
}
