package agent

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// maxSamplesPerBatch is Prometheus's default max_samples_per_send: big
// enough to amortise a request, small enough for any receiver.
const maxSamplesPerBatch = 2000

// appender is the buffer as the batcher sees it.
type appender interface {
	Append(payload []byte) error
}

// batcher gathers what collectors and sources emit for a moment, so that a
// tick of many items, or several seconds of log events, become one buffer
// record and one request, not dozens: each append is an fsync, and each
// record a request and an acknowledgement. It is the sample.Emitter handed
// to sources, and its Flush is their durability barrier.
type batcher struct {
	store      appender
	delay      time.Duration // how long a sample waits for others
	eventDelay time.Duration // how long an event waits for others
	logger     *slog.Logger
	wake       chan struct{} // the flush is due earlier than the run loop thinks

	// flushMu is held from taking the pending batch until it is stored, so
	// that Flush returns only once everything emitted before it is stored,
	// even what the run loop took a moment earlier.
	flushMu sync.Mutex

	mu       sync.Mutex
	samples  []sample.Sample
	events   []sample.Event
	due      time.Time // when the pending batch must be flushed; zero when empty
	host     []sample.Label
	hostName string

	lost atomic.Uint64 // batches that could not be stored
}

var (
	_ sample.Emitter = (*batcher)(nil)
	_ sample.Flusher = (*batcher)(nil)
)

func newBatcher(store appender, delay, eventDelay time.Duration, logger *slog.Logger) *batcher {
	return &batcher{
		store: store, delay: delay, eventDelay: eventDelay, logger: logger,
		wake: make(chan struct{}, 1),
	}
}

// setHost sets the labels added to every series and the host of events.
func (b *batcher) setHost(cfg *agentconfig.Config) {
	host := sample.Labels("host", cfg.Host)
	for name, v := range cfg.Labels {
		host = append(host, sample.Label{Name: name, Value: v})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.host, b.hostName = host, cfg.Host
}

// EmitSamples queues samples for the next batch, due within the delay.
func (b *batcher) EmitSamples(ss []sample.Sample) {
	if len(ss) == 0 {
		return
	}
	b.mu.Lock()
	b.samples = append(b.samples, ss...)
	wait := b.delay
	if len(b.samples) >= maxSamplesPerBatch {
		wait = 0
	}
	earlier := b.dueWithin(wait)
	b.mu.Unlock()
	b.signal(earlier)
}

// EmitEvents queues events for the next batch, due within the event delay:
// long enough to gather the events of several polls into one request,
// short enough for an operator to hear of them soon.
func (b *batcher) EmitEvents(evs []sample.Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	for _, e := range evs {
		if e.Host == "" {
			e.Host = b.hostName
		}
		b.events = append(b.events, e)
	}
	earlier := b.dueWithin(b.eventDelay)
	b.mu.Unlock()
	b.signal(earlier)
}

// dueWithin brings the flush forward to now+wait if that is earlier and
// reports whether it did. Callers hold b.mu.
func (b *batcher) dueWithin(wait time.Duration) bool {
	at := time.Now().Add(wait)
	if !b.due.IsZero() && !at.Before(b.due) {
		return false
	}
	b.due = at
	return true
}

func (b *batcher) signal(earlier bool) {
	if !earlier {
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run flushes when the pending batch is due, and once more when ctx is
// done. An idle agent does not wake up here.
func (b *batcher) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		b.mu.Lock()
		due := b.due
		b.mu.Unlock()
		var fire <-chan time.Time
		if !due.IsZero() {
			wait := time.Until(due)
			if wait <= 0 {
				b.Flush()
				continue
			}
			t.Reset(wait)
			fire = t.C
		}
		select {
		case <-ctx.Done():
			b.Flush()
			return
		case <-b.wake:
		case <-fire:
		}
		t.Stop()
	}
}

// Flush stores everything emitted so far in the buffer and returns once it
// is there (fsynced). Log sources call it before saving how far they read,
// so that a line is never marked read before its event is durable. The
// error says a batch could not be stored and is lost (and counted).
func (b *batcher) Flush() error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	samples, events, host := b.samples, b.events, b.host
	wasDue := !b.due.IsZero()
	b.samples, b.events, b.due = nil, nil, time.Time{}
	b.mu.Unlock()
	// Let the run loop drop its timer now, while the process is awake,
	// rather than wake up later for nothing.
	b.signal(wasDue)
	var errs []error
	for chunk := range slices.Chunk(samples, maxSamplesPerBatch) {
		rec, err := sender.EncodeSamples(chunk, host)
		errs = append(errs, b.store1(rec, err, "samples", len(chunk)))
	}
	if len(events) > 0 {
		rec, err := sender.EncodeEvents(events)
		errs = append(errs, b.store1(rec, err, "events", len(events)))
	}
	return errors.Join(errs...)
}

func (b *batcher) store1(rec []byte, err error, what string, n int) error {
	if err == nil {
		err = b.store.Append(rec)
	}
	if err != nil {
		b.lost.Add(1)
		b.logger.Error("agent: cannot buffer a batch; it is lost", "what", what, "count", n, "err", err)
	}
	return err
}
