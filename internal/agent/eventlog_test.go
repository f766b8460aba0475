package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/logwatch/winevent"
)

// channelLog stands in for the Windows Event Log of one machine: channels
// of events parsed from real rendered XML, read after a bookmark that is
// the record ID, as wevtapi's bookmarks are.
type channelLog struct {
	mu     sync.Mutex
	events map[string][]winevent.Event
	opened []string // channel@bookmark, in order
}

type fakeReader struct {
	log     *channelLog
	channel string
	after   uint64
}

func (l *channelLog) open(channel, bookmark string) (eventReader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opened = append(l.opened, channel+"@"+bookmark)
	if _, ok := l.events[channel]; !ok {
		return nil, fmt.Errorf("channel %q not found", channel)
	}
	after, _ := strconv.ParseUint(bookmark, 10, 64)
	return &fakeReader{log: l, channel: channel, after: after}, nil
}

func (r *fakeReader) Poll(_ context.Context, fn func(winevent.Event)) (int, error) {
	r.log.mu.Lock()
	evs := slices.Clone(r.log.events[r.channel])
	r.log.mu.Unlock()
	n := 0
	for _, e := range evs {
		if e.RecordID > r.after {
			fn(e)
			r.after = e.RecordID
			n++
		}
	}
	return n, nil
}

func (r *fakeReader) Bookmark() (string, error) { return strconv.FormatUint(r.after, 10), nil }
func (r *fakeReader) Close() error              { return nil }

func fixture(t *testing.T, name string) winevent.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "logwatch", "winevent", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	e, err := winevent.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// collector is an Emitter that keeps what it is given.
type collector struct {
	mu      sync.Mutex
	events  []sample.Event
	samples []sample.Sample
}

func (c *collector) EmitSamples(ss []sample.Sample) {
	c.mu.Lock()
	c.samples = append(c.samples, ss...)
	c.mu.Unlock()
}

func (c *collector) EmitEvents(es []sample.Event) {
	c.mu.Lock()
	c.events = append(c.events, es...)
	c.mu.Unlock()
}

func (c *collector) messages() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.events {
		out = append(out, e.Message)
	}
	return out
}

func TestEventLogSourceMatchesAndResumes(t *testing.T) {
	power := fixture(t, "kernel_power_41.xml")
	scm := fixture(t, "scm_7036.xml")
	appErr := fixture(t, "application_error_1000.xml")
	log := &channelLog{events: map[string][]winevent.Event{"System": {power, scm}, "Application": {appErr}}}
	dir := t.TempDir()
	cfg := parse(t, fmt.Sprintf(`
host: win-01
buffer: {dir: %q}
items:
  - name: system-critical
    kind: eventlog
    channel: System
    patterns:
      - {regex: " Critical: ", severity: critical, name: critical}
      - {regex: "Windows Update service entered the stopped", severity: warning, name: wu-stopped}
  - name: app-errors
    kind: eventlog
    channel: Application
    patterns:
      - {regex: "^Application Error 1000 ", severity: warning}
`, dir))

	run := func(want int) *collector {
		t.Helper()
		s := NewEventLogSource(testLogger(t))
		s.open, s.pollEvery = log.open, 10*time.Millisecond
		if err := s.ApplyConfig(cfg); err != nil {
			t.Fatal(err)
		}
		out := &collector{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, out) }()
		waitFor(t, "the events", 5*time.Second, func() bool { return len(out.messages()) >= want })
		// Stop once the bookmarks of both channels are on disk.
		waitFor(t, "the bookmarks to be saved", 5*time.Second, func() bool {
			b, err := os.ReadFile(filepath.Join(dir, bookmarksFile))
			var marks map[string]string
			return err == nil && json.Unmarshal(b, &marks) == nil && marks["system-critical"] != "" && marks["app-errors"] != ""
		})
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return out
	}

	out := run(3)
	got := out.messages()
	want := []string{power.Text(), scm.Text(), appErr.Text()}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("events = %q\nwant %q", got, want)
	}
	for _, e := range out.events {
		if e.Source != "eventlog:System" && e.Source != "eventlog:Application" {
			t.Errorf("source = %q", e.Source)
		}
		if e.Message == power.Text() && (e.Severity != "critical" || e.Pattern != "critical" || e.Labels["event_id"] != "41") {
			t.Errorf("kernel power event = %+v", e)
		}
	}
	var matched float64
	for _, s := range out.samples {
		if s.Name == "unyo_log_matches_total" {
			matched = max(matched, s.Value)
		}
	}
	if matched != 1 {
		t.Errorf("unyo_log_matches_total max = %v, want 1 per pattern", matched)
	}

	// A restart resumes after the saved bookmarks: only the new event comes.
	later := power
	later.RecordID = power.RecordID + 1_000_000
	log.mu.Lock()
	log.events["System"] = append(log.events["System"], later)
	log.mu.Unlock()
	out = run(1)
	if got := out.messages(); len(got) != 1 || got[0] != later.Text() {
		t.Fatalf("after restart: events = %q, want only the new one", got)
	}
	if last := log.opened[len(log.opened)-1]; last == "System@" || last == "Application@" {
		t.Fatalf("restart opened %q without a bookmark", last)
	}
}

func TestEventLogSourceRefusesBadPatternAndReportsUnsupported(t *testing.T) {
	s := NewEventLogSource(testLogger(t))
	good := &agentconfig.Config{Items: []agentconfig.Item{{Name: "sys", Kind: agentconfig.KindEventLog, Channel: "System",
		Patterns: []agentconfig.LogPattern{{Regex: "Critical", Severity: "critical", Name: "c"}}}}}
	if err := s.ApplyConfig(good); err != nil {
		t.Fatal(err)
	}
	bad := &agentconfig.Config{Items: []agentconfig.Item{{Name: "sys", Kind: agentconfig.KindEventLog, Channel: "System",
		Patterns: []agentconfig.LogPattern{{Regex: "(", Severity: "critical"}}}}}
	if err := s.ApplyConfig(bad); err == nil {
		t.Fatal("a bad regexp was accepted")
	}
	if len(s.items) != 1 || s.items["sys"].patterns[0].String() != "Critical" {
		t.Fatalf("the last good configuration was lost: %+v", s.items)
	}
	st := &channelState{spec: s.items["sys"]}
	s.open = func(string, string) (eventReader, error) { return nil, errors.ErrUnsupported }
	if s.openChannel(st, "") || !st.failing {
		t.Fatal("an unsupported platform opened a channel")
	}
}

func TestEventLogSourceIdleUntilConfigured(t *testing.T) {
	log := &channelLog{events: map[string][]winevent.Event{"System": {fixture(t, "kernel_power_41.xml")}}}
	s := NewEventLogSource(testLogger(t))
	s.open, s.pollEvery = log.open, 10*time.Millisecond
	dir := t.TempDir()
	if err := s.ApplyConfig(parse(t, fmt.Sprintf("host: h\nbuffer: {dir: %q}\n", dir))); err != nil {
		t.Fatal(err)
	}
	out := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx, out)
	time.Sleep(50 * time.Millisecond) // idle: no item, no ticker to wake it
	// An eventlog item configured later is picked up without a restart.
	if err := s.ApplyConfig(parse(t, fmt.Sprintf("host: h\nbuffer: {dir: %q}\nitems:\n  - {name: sys, kind: eventlog, channel: System, patterns: [{regex: Critical, severity: critical}]}\n", dir))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event of the item configured later", 5*time.Second, func() bool { return len(out.messages()) == 1 })
}
