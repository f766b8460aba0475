package notify_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
)

func TestPermanent(t *testing.T) {
	base := errors.New("HTTP 404: no_service")
	wrapped := fmt.Errorf("slack: cannot post message: %w", notify.Permanent(base))
	if !notify.IsPermanent(wrapped) {
		t.Fatal("IsPermanent(wrapped Permanent) = false")
	}
	if !errors.Is(wrapped, base) {
		t.Fatal("Permanent must keep the cause reachable")
	}
	if wrapped.Error() != "slack: cannot post message: HTTP 404: no_service" {
		t.Fatalf("message = %q", wrapped)
	}
	for _, err := range []error{nil, base, context.DeadlineExceeded, notify.RetryAfter(base, time.Second)} {
		if notify.IsPermanent(err) {
			t.Errorf("IsPermanent(%v) = true", err)
		}
	}
	if notify.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
}

func TestRetryAfter(t *testing.T) {
	err := fmt.Errorf("teams: %w", notify.RetryAfter(errors.New("HTTP 429"), 30*time.Second))
	d, ok := notify.RetryDelay(err)
	if !ok || d != 30*time.Second {
		t.Fatalf("RetryDelay = %v, %v", d, ok)
	}
	if err.Error() != "teams: HTTP 429 (retry after 30s)" {
		t.Fatalf("message = %q", err)
	}
	if _, ok := notify.RetryDelay(errors.New("x")); ok {
		t.Fatal("RetryDelay of a plain error reported a delay")
	}
	if notify.RetryAfter(nil, time.Second) != nil {
		t.Fatal("RetryAfter(nil) != nil")
	}
	if d, _ := notify.RetryDelay(notify.RetryAfter(errors.New("x"), -time.Second)); d != 0 {
		t.Fatalf("negative delay kept: %v", d)
	}
}
