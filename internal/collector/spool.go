package collector

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
)

// spoolDelay is how long polled samples wait to be stored together: every
// record is an fsync and a request, and a poller hands its samples over
// host by host.
const spoolDelay = time.Second

// maxSpoolBatch is the samples in one record: Prometheus's
// max_samples_per_send, as the agent's own batches.
const maxSpoolBatch = 2000

// appender is the buffer as the spool sees it.
type appender interface {
	Append(payload []byte) error
}

// spool is the pollers' sample.Sink: it labels each host's samples with
// host=<resource name> and stores them in the buffer in batches.
type spool struct {
	buf    appender
	logger *slog.Logger

	mu      sync.Mutex
	pending []sample.Sample
	lost    atomic.Uint64 // records that could not be stored
}

func newSpool(buf appender, logger *slog.Logger) *spool {
	return &spool{buf: buf, logger: logger}
}

// sink takes one host's samples. The tenant is not written: the server
// takes it from the collector's token.
func (s *spool) sink(_ context.Context, _, host string, samples []sample.Sample) error {
	hostLabel := sample.Label{Name: "host", Value: host}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range samples {
		// A new slice: the poller may share its label sets between polls.
		x.Labels = append(slices.Clip(x.Labels), hostLabel)
		s.pending = append(s.pending, x)
	}
	return nil
}

// run stores what was gathered every spoolDelay, and once more at the end.
func (s *spool) run(ctx context.Context) {
	t := time.NewTicker(spoolDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flush()
			return
		case <-t.C:
			s.flush()
		}
	}
}

func (s *spool) flush() {
	s.mu.Lock()
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for chunk := range slices.Chunk(pending, maxSpoolBatch) {
		rec, err := sender.EncodeSamples(chunk, nil)
		if err == nil {
			err = s.buf.Append(rec)
		}
		if err != nil {
			s.lost.Add(1)
			s.logger.Error("collector: cannot buffer polled samples; they are lost", "samples", len(chunk), "err", err)
		}
	}
}
