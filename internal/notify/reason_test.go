package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// TestDescribeNeverQuotesTheDestination: whatever the destination
// answered, the description shown to the caller is a kind, a status and a
// fixed sentence.
func TestDescribeNeverQuotesTheDestination(t *testing.T) {
	body := "root:x:0:0:internal-page"
	f := func(err error, kind notify.FailureKind, status int) {
		t.Helper()
		got := notify.Describe(err)
		if got.Kind != kind || got.Status != status {
			t.Errorf("Describe(%v) = %+v, want %s %d", err, got, kind, status)
		}
		if strings.Contains(got.Reason(), "internal-page") || got.Reason() == "" {
			t.Errorf("Reason() = %q", got.Reason())
		}
	}
	status := (&notify.Response{StatusCode: 404, Header: http.Header{}, Body: []byte(body)}).Err()
	f(fmt.Errorf("webhook: %w", status), notify.FailStatus, 404)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &outbound.RefusedError{Addr: netip.MustParseAddr("10.0.0.1"), Kind: "private"}}
	f(notify.Permanent(refused), notify.FailRefusedAddress, 0)
	f(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused: " + body)}, notify.FailUnreachable, 0)
	f(fmt.Errorf("x: %w", context.DeadlineExceeded), notify.FailTimeout, 0)
	f(errors.New(body), notify.FailOther, 0)
	if d := notify.Describe(nil); d.Kind != "" || d.Reason() != "" {
		t.Errorf("Describe(nil) = %+v", d)
	}
}
