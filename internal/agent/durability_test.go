package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
)

// crashCopy copies dir as a kill -9 would leave it: the positions file is
// read first, so that whatever the buffer holds by the time it is copied
// (it only grows here) is at least what it held when they were written.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	pos, err := os.ReadFile(filepath.Join(dir, positionsFile))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == positionsFile || !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(to, e.Name()), data, 0o600)
	}
	os.WriteFile(filepath.Join(to, positionsFile), pos, 0o600)
	return to
}

// savedOffset is the offset of the one file in a positions file.
func savedOffset(t *testing.T, dir string) int64 {
	data, err := os.ReadFile(filepath.Join(dir, positionsFile))
	if err != nil {
		return -1
	}
	var pf struct {
		Items map[string][]struct{ Offset int64 } `json:"items"`
	}
	if err := json.Unmarshal(data, &pf); err != nil || len(pf.Items["app-log"]) != 1 {
		return -1
	}
	return pf.Items["app-log"][0].Offset
}

// bufferedEvents drains the buffer in dir and returns the event messages.
func bufferedEvents(t *testing.T, dir string) []string {
	t.Helper()
	buf, err := buffer.Open(buffer.Options{Dir: dir, MaxBytes: 1 << 20}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	var out []string
	for {
		seq, rec, ok, err := buf.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		if rec[0] == sender.KindEvents {
			var evs []sample.Event
			if err := json.Unmarshal(rec[1:], &evs); err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				out = append(out, e.Message)
			}
		}
		buf.Ack(seq)
	}
}

// runLogSource tails glob with positions and buffer in dir; the batcher
// never flushes on its own (an hour's delay), only when the watcher asks.
func runLogSource(t *testing.T, dir, glob string) (stop func()) {
	t.Helper()
	buf, err := buffer.Open(buffer.Options{Dir: dir, MaxBytes: 1 << 20}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	batch := newBatcher(buf, time.Hour, time.Hour, testLogger(t))
	s := NewLogSource(testLogger(t))
	s.pollEvery, s.saveEvery = 5*time.Millisecond, 0 // save at every poll: the hardest case
	cfg := parse(t, fmt.Sprintf("host: h\nbuffer: {dir: %q}\nitems:\n  - {name: app-log, kind: log, glob: %q, patterns: [{regex: ERROR, severity: critical}]}\n", dir, glob))
	if err := s.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, batch) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		buf.Close()
	}
}

func appendLines(t *testing.T, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := from; i <= to; i++ {
		fmt.Fprintf(f, "ERROR line %04d\n", i)
	}
}

const lineLen = int64(len("ERROR line 0001\n"))

// TestLogPositionsNeverAheadOfBuffer kills the agent (copies its directory
// as it is) once positions were saved, and restarts from the copy: every
// line before the saved offset has its event in the buffer, and the
// restarted agent reads on from there, so no line is skipped.
func TestLogPositionsNeverAheadOfBuffer(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "app.log")
	os.WriteFile(logPath, nil, 0o644)
	stop := runLogSource(t, dir, logPath)
	// A first start reads from the end: write once the file is watched.
	waitFor(t, "the file to be watched", 5*time.Second, func() bool { return savedOffset(t, dir) == 0 })
	const n = 40
	for i := 1; i <= n; i += 10 { // over several polls
		appendLines(t, logPath, i, i+9)
		time.Sleep(7 * time.Millisecond)
	}
	waitFor(t, "the positions to cover every line", 5*time.Second, func() bool { return savedOffset(t, dir) == n*lineLen })
	crashed := crashCopy(t, dir)
	stop()

	covered := int(savedOffset(t, crashed) / lineLen)
	got := bufferedEvents(t, crashed)
	seen := map[string]bool{}
	for _, m := range got {
		seen[m] = true
	}
	for i := 1; i <= covered; i++ {
		if m := fmt.Sprintf("ERROR line %04d", i); !seen[m] {
			t.Fatalf("line %d is marked read (offset %d) but its event is not in the buffer; buffer holds %d events: %q", i, covered*int(lineLen), len(got), got)
		}
	}

	// The restarted agent reads on from the saved offset: nothing skipped.
	stop = runLogSource(t, crashed, logPath)
	appendLines(t, logPath, n+1, n+5)
	waitFor(t, "the positions after restart", 5*time.Second, func() bool { return savedOffset(t, crashed) == (n+5)*lineLen })
	stop()
	for _, m := range bufferedEvents(t, crashed) {
		seen[m] = true
	}
	for i := 1; i <= n+5; i++ {
		if m := fmt.Sprintf("ERROR line %04d", i); !seen[m] {
			t.Fatalf("line %d was skipped across the crash", i)
		}
	}
}

// fakeStore records what the batcher appends.
type fakeStore struct {
	mu   sync.Mutex
	recs [][]byte
}

func (s *fakeStore) Append(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, append([]byte(nil), p...))
	return nil
}

func (s *fakeStore) records() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recs)
}

func TestBatcherCoalescesEvents(t *testing.T) {
	store := &fakeStore{}
	// The events' delay is far longer than the emits below take, even on a
	// loaded machine, so they must all land in one batch.
	b := newBatcher(store, time.Hour, time.Second, testLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.run(ctx); close(done) }()
	// Events of several polls, each its own call, make one record.
	for i := range 5 {
		b.EmitEvents([]sample.Event{{Message: fmt.Sprint("e", i)}})
		time.Sleep(2 * time.Millisecond)
	}
	// A sample with a long delay joins the batch the events make due.
	b.EmitSamples([]sample.Sample{{Name: "x", Value: 1}})
	waitFor(t, "the batch the events make due", 10*time.Second, func() bool { return len(store.records()) >= 2 })
	cancel()
	<-done
	recs := store.records()
	if len(recs) != 2 || recs[0][0] != sender.KindSamples || recs[1][0] != sender.KindEvents {
		t.Fatalf("records = %d, want one of samples and one of events", len(recs))
	}
	if n := strings.Count(string(recs[1]), `"message"`); n != 5 {
		t.Fatalf("events record holds %d events, want 5", n)
	}
}

func TestBatcherFlushIsABarrier(t *testing.T) {
	store := &fakeStore{}
	b := newBatcher(store, time.Hour, time.Hour, testLogger(t))
	b.EmitEvents([]sample.Event{{Message: "e"}})
	if len(store.recs) != 0 {
		t.Fatal("stored before the delay")
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(store.recs) != 1 {
		t.Fatalf("after Flush %d records stored, want 1", len(store.recs))
	}
	if err := b.Flush(); err != nil || len(store.recs) != 1 {
		t.Fatalf("an empty Flush stored something: %v, %d", err, len(store.recs))
	}
}
