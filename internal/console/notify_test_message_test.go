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
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// answeringChannels are Channels whose test message fails the way a
// receiver answering with an internal page makes it fail.
type answeringChannels struct{ answer error }

func (answeringChannels) List(context.Context, string) ([]*channel.Channel, error) { return nil, nil }
func (answeringChannels) Create(context.Context, string, channel.Input) (*channel.Channel, error) {
	return nil, nil
}
func (n answeringChannels) SendTest(context.Context, string, int64) (notify.Message, error) {
	return notify.Message{}, &channel.SendError{Err: n.answer}
}
func (answeringChannels) Contacts(context.Context, string) ([]*channel.Contact, error) {
	return nil, nil
}
func (answeringChannels) CreateContact(context.Context, *channel.Contact) error { return nil }
func (answeringChannels) Get(context.Context, string, int64) (*channel.Channel, error) {
	return nil, ustorage.ErrNotFound
}
func (answeringChannels) Update(context.Context, string, int64, channel.Input) (*channel.Channel, error) {
	return nil, ustorage.ErrNotFound
}
func (answeringChannels) Delete(context.Context, string, int64) error { return ustorage.ErrNotFound }
func (answeringChannels) Contact(context.Context, string, int64) (*channel.Contact, error) {
	return nil, ustorage.ErrNotFound
}
func (answeringChannels) UpdateContact(context.Context, *channel.Contact) error {
	return ustorage.ErrNotFound
}
func (answeringChannels) DeleteContact(context.Context, string, int64) error {
	return ustorage.ErrNotFound
}

type noPolicies struct{}

func (noPolicies) List(context.Context, string, bool) ([]*escalation.Policy, error) { return nil, nil }
func (noPolicies) Create(context.Context, *escalation.Policy) error                 { return nil }
func (noPolicies) Get(context.Context, string, int64) (*escalation.Policy, error) {
	return nil, ustorage.ErrNotFound
}
func (noPolicies) Update(context.Context, *escalation.Policy) error { return ustorage.ErrNotFound }
func (noPolicies) Delete(context.Context, string, int64) error      { return ustorage.ErrNotFound }

// TestTestMessageFailureHidesTheAnswer: the console says why a test
// message failed by status, in the reader's language, and never shows
// what the destination answered.
func TestTestMessageFailureHidesTheAnswer(t *testing.T) {
	answer := (&notify.Response{StatusCode: 403, Header: http.Header{}, Body: []byte("INTERNAL-ADMIN-PAGE root:x:0:0")}).Err()
	e := newEnv(t, func(o *Options) {
		o.Channels, o.Policies = answeringChannels{answer: fmt.Errorf("webhook: cannot post: %w", answer)}, noPolicies{}
	})
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
