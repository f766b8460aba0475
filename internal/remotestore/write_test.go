package remotestore

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
)

func appendOne(t *testing.T, s *Store, lset labels.Labels, ts int64, v float64) error {
	t.Helper()
	app := s.AppenderV2(context.Background())
	if _, err := app.Append(0, lset, 0, ts, v, nil, nil, storage.AOptions{}); err != nil {
		t.Fatal(err)
	}
	return app.Commit()
}

// TestWriteRetriesUntilTheStoreAnswers: samples committed while
// VictoriaMetrics is down are delivered once it is up, not lost.
func TestWriteRetriesUntilTheStoreAnswers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close() // nothing listens there: every send fails until the store moves in
	s, err := New(Options{WriteURL: down + "/api/v1/write", QueryURL: down, Mode: ExtraLabel,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UnixMilli()
	if err := appendOne(t, s, labels.FromStrings("__name__", "up", "tenant", "a"), now, 7); err != nil {
		t.Fatal(err)
	}
	await(t, "a failed send retried", 10*time.Second, func() bool { return counter(s.metrics.retries) >= 2 })

	// The store comes up on the address the sender keeps trying.
	root := startVMAt(t, strings.TrimPrefix(down, "http://"))
	await(t, "the sample delivered after the store came up", 20*time.Second, func() bool { return counter(s.metrics.sent) == 1 })
	q, _ := s.ForTenant("a").Querier(now-1000, now+1000)
	await(t, "the sample readable", 10*time.Second, func() bool {
		flushVM(t, root)
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))
		return set.Next() && set.At().Labels().Get("tenant") == "a"
	})
}

// TestWriteQueueFullIsRetryable: when the queue to the store is full, ingest
// is refused with 429 and Retry-After (the sender keeps its samples), and
// nothing already queued is dropped.
func TestWriteQueueFullIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A listener that never accepts: sends hang, so the queue fills.
	root := "http://" + l.Addr().String()
	s, err := New(Options{WriteURL: root + "/api/v1/write", QueryURL: root, Mode: ExtraLabel, QueueRequests: 2, Shards: 1,
		Client: &http.Client{Timeout: time.Minute}}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	lset := labels.FromStrings("__name__", "up", "tenant", "a")
	var refused error
	for i := range 10 {
		if err := appendOne(t, s, lset, int64(i), 1); err != nil {
			refused = err
			break
		}
	}
	var le *limits.Error
	if !errors.As(refused, &le) || le.Status != http.StatusTooManyRequests || le.RetryAfter <= 0 {
		t.Fatalf("commit on a full queue = %v; want a 429 limits.Error with Retry-After", refused)
	}
	if got := len(s.queue); got != 2 {
		t.Errorf("queued requests = %d; want the queue's 2 kept", got)
	}
	if counter(s.metrics.queueFull) != 1 {
		t.Errorf("queue-full count = %v; want 1", counter(s.metrics.queueFull))
	}
	if _, err := s.AppenderV2(context.Background()).Append(0, labels.FromStrings("__name__", "up"), 0, 1, 1, nil, nil, storage.AOptions{}); err == nil {
		t.Error("a series without the tenant label was accepted")
	}
	l.Close() // the hung sends fail, and Close gives up on them
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
