package agent

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/config"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
)

// maxSamplesPerBatch is Prometheus's default max_samples_per_send: big
// enough to amortise a request, small enough for any receiver.
const maxSamplesPerBatch = 2000

// appender is the buffer as the batcher sees it.
type appender interface {
	Append(payload []byte) error
}

// batcher gathers what collectors and sources emit for a moment, so that a
// tick of many items becomes one buffer record and one request, not dozens.
// It is the sample.Emitter handed to sources.
type batcher struct {
	store  appender
	delay  time.Duration
	logger *slog.Logger
	start  chan struct{} // something arrived in an empty batcher
	full   chan struct{} // flush without waiting for the delay

	mu       sync.Mutex
	samples  []sample.Sample
	events   []sample.Event
	host     []sample.Label
	hostName string

	lost atomic.Uint64 // batches that could not be stored
}

var _ sample.Emitter = (*batcher)(nil)

func newBatcher(store appender, delay time.Duration, logger *slog.Logger) *batcher {
	return &batcher{
		store: store, delay: delay, logger: logger,
		start: make(chan struct{}, 1), full: make(chan struct{}, 1),
	}
}

// setHost sets the labels added to every series and the host of events.
func (b *batcher) setHost(cfg *config.Config) {
	host := sample.Labels("host", cfg.Host)
	for name, v := range cfg.Labels {
		host = append(host, sample.Label{Name: name, Value: v})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.host, b.hostName = host, cfg.Host
}

// EmitSamples queues samples for the next batch.
func (b *batcher) EmitSamples(ss []sample.Sample) {
	if len(ss) == 0 {
		return
	}
	b.mu.Lock()
	wasEmpty := len(b.samples) == 0 && len(b.events) == 0
	b.samples = append(b.samples, ss...)
	full := len(b.samples) >= maxSamplesPerBatch
	b.mu.Unlock()
	b.signal(wasEmpty, full)
}

// EmitEvents queues events and asks for a flush at once: an event is
// usually something an operator should hear about now.
func (b *batcher) EmitEvents(evs []sample.Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	wasEmpty := len(b.samples) == 0 && len(b.events) == 0
	for _, e := range evs {
		if e.Host == "" {
			e.Host = b.hostName
		}
		b.events = append(b.events, e)
	}
	b.mu.Unlock()
	b.signal(wasEmpty, true)
}

func (b *batcher) signal(wasEmpty, full bool) {
	if wasEmpty {
		select {
		case b.start <- struct{}{}:
		default:
		}
	}
	if full {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

// run flushes a moment after something arrives, or at once when a batch is
// full, and once more when ctx is done. An idle agent does not wake up here.
func (b *batcher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			b.flush()
			return
		case <-b.start:
		case <-b.full:
		}
		t := time.NewTimer(b.delay)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-b.full:
		}
		t.Stop()
		b.flush()
	}
}

// flush encodes what is pending into buffer records.
func (b *batcher) flush() {
	b.mu.Lock()
	samples, events, host := b.samples, b.events, b.host
	b.samples, b.events = nil, nil
	b.mu.Unlock()
	for chunk := range slices.Chunk(samples, maxSamplesPerBatch) {
		rec, err := sender.EncodeSamples(chunk, host)
		b.store1(rec, err, "samples", len(chunk))
	}
	if len(events) > 0 {
		rec, err := sender.EncodeEvents(events)
		b.store1(rec, err, "events", len(events))
	}
}

func (b *batcher) store1(rec []byte, err error, what string, n int) {
	if err == nil {
		err = b.store.Append(rec)
	}
	if err != nil {
		b.lost.Add(1)
		b.logger.Error("agent: cannot buffer a batch; it is lost", "what", what, "count", n, "err", err)
	}
}
