package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// emitSeq emits test_seq samples numbered from..to, each waiting until it is
// in the buffer, so that every number is its own batch.
func emitSeq(t *testing.T, a *Agent, from, to int, pad int) {
	t.Helper()
	for i := from; i <= to; i++ {
		var ls []sample.Label
		if pad > 0 {
			b := make([]byte, pad/2)
			rand.Read(b)
			ls = sample.Labels("pad", hex.EncodeToString(b)) // random, so snappy cannot shrink it
		}
		before := a.buf.Stats().AppendedBatches
		a.batch.EmitSamples([]sample.Sample{{Name: "test_seq", Labels: ls, Value: float64(i), TimeMs: time.Now().UnixMilli()}})
		deadline := time.Now().Add(5 * time.Second)
		for a.buf.Stats().AppendedBatches == before {
			if time.Now().After(deadline) {
				t.Fatalf("test_seq %d did not reach the buffer within 5s", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// received returns the test_seq values in the order they arrived.
func (r *receiver) seqs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, b := range r.batches {
		for _, p := range b {
			if p.labels["__name__"] == "test_seq" {
				out = append(out, int(p.value))
			}
		}
	}
	return out
}

func (r *receiver) writeRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

func outageAgent(t *testing.T, rcv *receiver, maxBytes string, flush time.Duration) *Agent {
	t.Helper()
	cfg := parse(t, fmt.Sprintf("server: %s\ntoken: tok\nhost: outage\ninterval: 1s\nbuffer: {dir: %q, max_bytes: %s}\n",
		rcv.url(), t.TempDir(), maxBytes))
	a := New(cfg, testLogger(t))
	startAgentWith(t, a, flush)
	return a
}

func TestOutageLosesNothing(t *testing.T) {
	rcv := newReceiver(t, "tok")
	a := outageAgent(t, rcv, "64MiB", time.Millisecond)
	emitSeq(t, a, 1, 20, 0)

	// The server answers 503 for a while.
	rcv.setFailing(true)
	retries := a.send.Stats().Retries
	emitSeq(t, a, 21, 60, 0)
	waitFor(t, "retries during the 503s", 5*time.Second, func() bool { return a.send.Stats().Retries > retries })
	rcv.setFailing(false)

	// The server is gone for a while, then back on the same address.
	waitFor(t, "catching up after the 503s", 10*time.Second, func() bool { return len(rcv.seqs()) == 60 })
	rcv.close()
	retries = a.send.Stats().Retries
	emitSeq(t, a, 61, 100, 0)
	waitFor(t, "retries while closed", 5*time.Second, func() bool { return a.send.Stats().Retries > retries })
	rcv.reopen()

	waitFor(t, "all 100 batches", 10*time.Second, func() bool { return len(rcv.seqs()) == 100 })
	for i, v := range rcv.seqs() {
		if v != i+1 {
			t.Fatalf("batch %d carried test_seq %d: order or completeness broken: %v", i, v, rcv.seqs())
		}
	}
	if st := a.buf.Stats(); st.DroppedBatches != 0 {
		t.Fatalf("dropped %d batches within the bound", st.DroppedBatches)
	}
}

func TestOutageOverBoundDropsOldest(t *testing.T) {
	rcv := newReceiver(t, "tok")
	rcv.close()
	a := outageAgent(t, rcv, "1MiB", 0)
	const n = 1200 // about 2.5 MiB of batches against a 1 MiB bound
	emitSeq(t, a, 1, n, 2048)
	rcv.reopen()

	waitFor(t, "the buffer to drain", 30*time.Second, func() bool {
		st := a.buf.Stats()
		return st.PendingBatches == 0 && len(rcv.seqs()) > 0 && rcv.seqs()[len(rcv.seqs())-1] == n
	})
	// What arrived is the newest batches, contiguous and in order: the
	// oldest were dropped, whole segments at a time.
	got := rcv.seqs()
	for i, v := range got {
		if want := n - len(got) + 1 + i; v != want {
			t.Fatalf("batch %d carried test_seq %d, want %d", i, v, want)
		}
	}
	st := a.buf.Stats()
	if st.DroppedBatches == 0 || len(got) >= n {
		t.Fatalf("kept %d of %d, dropped %d: the bound was not enforced", len(got), n, st.DroppedBatches)
	}
	// Every batch is accounted for: delivered or counted as dropped.
	if sent := uint64(rcv.writeRequests()); sent+st.DroppedBatches != st.AppendedBatches {
		t.Fatalf("delivered %d + dropped %d != appended %d", sent, st.DroppedBatches, st.AppendedBatches)
	}
	// The drop is reported as a metric.
	waitFor(t, "unyo_agent_buffer_dropped_total", 10*time.Second, func() bool {
		p, ok := rcv.find("unyo_agent_buffer_dropped_total", map[string]string{"host": "outage"})
		return ok && p.value > 0
	})
}

func TestRestartSendsPending(t *testing.T) {
	rcv := newReceiver(t, "tok")
	rcv.close()
	dir := t.TempDir()
	local := fmt.Sprintf("server: %s\ntoken: tok\nhost: restart\ninterval: 1h\nbuffer: {dir: %q}\n", rcv.url(), dir)

	// The first process buffers while the server is away, then stops.
	a := New(parse(t, local), testLogger(t))
	a.flushDelay = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the agent to start", 5*time.Second, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.runCtx != nil
	})
	emitSeq(t, a, 1, 10, 0)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// The next process sends them once the server is back.
	rcv.reopen()
	b := New(parse(t, local), testLogger(t))
	startAgent(t, b)
	waitFor(t, "the batches of the previous process", 10*time.Second, func() bool { return len(rcv.seqs()) == 10 })
	for i, v := range rcv.seqs() {
		if v != i+1 {
			t.Fatalf("after restart got %v", rcv.seqs())
		}
	}
}
