package agent

import (
	"context"
	"os"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// selfLoop reports the agent's own health at the global interval, on the
// ticks of the items of that interval; it is also the heartbeat that tells
// the server the host is alive.
func (a *Agent) selfLoop(ctx context.Context) {
	self := &process.Process{Pid: int32(os.Getpid())}
	for {
		a.mu.Lock()
		every := a.cfg.Interval.D()
		a.mu.Unlock()
		a.batch.EmitSamples(a.selfSamples(ctx, self, time.Now()))
		t := time.NewTimer(untilTick(every, time.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (a *Agent) selfSamples(ctx context.Context, self *process.Process, now time.Time) []sample.Sample {
	bs := a.buf.Stats()
	ss := a.send.Stats()
	a.mu.Lock()
	reloadOK, items := a.reloadOK, len(a.items)
	a.mu.Unlock()
	ms := now.UnixMilli()
	out := make([]sample.Sample, 0, 14)
	add := func(name string, v float64) {
		out = append(out, sample.Sample{Name: name, Value: v, TimeMs: ms})
	}
	add("unyo_agent_up", 1)
	add("unyo_agent_items", float64(items))
	add("unyo_agent_config_last_reload_successful", b2f(reloadOK))
	add("unyo_agent_buffer_pending_batches", float64(bs.PendingBatches))
	add("unyo_agent_buffer_pending_bytes", float64(bs.PendingBytes))
	add("unyo_agent_buffer_dropped_total", float64(bs.DroppedBatches+a.batch.lost.Load()))
	add("unyo_agent_buffer_dropped_bytes_total", float64(bs.DroppedBytes))
	add("unyo_agent_buffer_corrupt_total", float64(bs.CorruptRecords))
	add("unyo_agent_sent_batches_total", float64(ss.Sent))
	add("unyo_agent_rejected_batches_total", float64(ss.Rejected))
	add("unyo_agent_send_retries_total", float64(ss.Retries))
	if t, err := self.TimesWithContext(ctx); err == nil {
		add("unyo_agent_cpu_seconds_total", t.User+t.System)
	}
	if m, err := self.MemoryInfoWithContext(ctx); err == nil {
		add("unyo_agent_resident_memory_bytes", float64(m.RSS))
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
