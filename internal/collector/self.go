package collector

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/polling"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

// selfLoop reports the collector's health with the collector's host, at
// the agent's interval: unyo_collector_up is what the no-data alert of the
// collector's resource watches.
func (c *Collector) selfLoop(ctx context.Context, emit sample.Emitter) {
	caughtUp := time.Now() // when the buffer was last seen empty
	for {
		now := time.Now()
		pending := c.buf.Stats().PendingBatches
		if pending == 0 {
			caughtUp = now
		}
		emit.EmitSamples(c.selfSamples(now, now.Sub(caughtUp)))
		c.mu.Lock()
		every := c.interval
		c.mu.Unlock()
		t := time.NewTimer(polling.UntilTick(every, time.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// selfSamples are the collector's series. The forward lag is how long
// the buffer has not been empty: 0 while the server takes everything, the
// age of the outage during one, falling back once it drains.
func (c *Collector) selfSamples(now time.Time, lag time.Duration) []sample.Sample {
	ms := now.UnixMilli()
	name := sample.Labels("collector", c.name)
	add := func(out []sample.Sample, metric string, v float64, extra ...string) []sample.Sample {
		ls := name
		if len(extra) > 0 {
			ls = append(sample.Labels("collector", c.name), sample.Labels(extra...)...)
		}
		return append(out, sample.Sample{Name: metric, Labels: ls, Value: v, TimeMs: ms})
	}
	var out []sample.Sample
	bs := c.buf.Stats()
	t := c.targets.Load()
	out = add(out, "unyo_collector_up", 1)
	for _, s := range c.sources {
		out = add(out, "unyo_collector_targets", float64(s.Count(t)), "kind", s.Kind)
	}
	out = add(out, "unyo_collector_buffer_bytes", float64(bs.PendingBytes))
	out = add(out, "unyo_collector_buffer_pending_batches", float64(bs.PendingBatches))
	out = add(out, "unyo_collector_forward_lag_seconds", lag.Seconds())
	out = add(out, "unyo_collector_received_batches_total", float64(c.received.Load()))
	out = add(out, "unyo_collector_received_samples_total", float64(c.receivedSamples.Load()))
	out = add(out, "unyo_collector_rejected_requests_total", float64(c.rejected.Load()))
	out = add(out, "unyo_collector_lost_batches_total", float64(c.spool.lost.Load()))
	out = add(out, "unyo_collector_targets_pull_successful", b2f(c.pulledOK.Load()))
	if c.traps != nil {
		for _, o := range trap.Outcomes {
			out = add(out, "unyo_collector_traps_total", float64(c.traps.Count(o)), "outcome", o)
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
