package logwatch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the flush timeout and rotate wait.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a watcher under test with the events it emitted.
type harness struct {
	t      *testing.T
	w      *Watcher
	events []Event
}

func start(t *testing.T, cfgs []Config, positions string, opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t}
	w, err := New(cfgs, positions, func(e Event) { h.events = append(h.events, e) }, nil, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.w = w
	t.Cleanup(func() { w.Close() })
	return h
}

// poll runs one Poll and returns the messages emitted by it.
func (h *harness) poll() []string {
	h.t.Helper()
	before := len(h.events)
	if err := h.w.Poll(context.Background()); err != nil {
		h.t.Fatalf("Poll: %v", err)
	}
	var msgs []string
	for _, e := range h.events[before:] {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

// expect polls and checks the messages emitted, in order.
func (h *harness) expect(want ...string) {
	h.t.Helper()
	got := h.poll()
	if !slices.Equal(got, want) {
		h.t.Fatalf("poll emitted %q, want %q", got, want)
	}
}

func (h *harness) close() {
	h.t.Helper()
	if err := h.w.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

// anyLine is a config whose one pattern matches every line starting with L.
func anyLine(glob string) Config {
	return Config{Item: "app", Glob: glob, Patterns: []Pattern{{Name: "any", Regexp: `^L`, Severity: SeverityInfo}}}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// lines renders L<from>..L<to>, one per line.
func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "L%d\n", i)
	}
	return b.String()
}

// names is lines without the newlines, as the events carry them.
func names(from, to int) []string {
	return strings.Fields(lines(from, to))
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func tempLog(t *testing.T) (dir, path string) {
	dir = t.TempDir()
	return dir, filepath.Join(dir, "app.log")
}
