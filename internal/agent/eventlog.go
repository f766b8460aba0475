package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/logwatch/winevent"
)

// bookmarksFile keeps, in the buffer directory, the last event read of each
// eventlog item, so a restarted agent neither re-reads nor skips events.
const bookmarksFile = "eventlog-bookmarks.json"

// eventReader is what the source needs of one Windows Event Log channel;
// winevent.Reader is the real one, and exists only on Windows.
type eventReader interface {
	Poll(ctx context.Context, fn func(winevent.Event)) (int, error)
	Bookmark() (string, error)
	Close() error
}

// EventLogSource runs the eventlog items: each event's text (provider, ID,
// level, message) is matched with the item's patterns like a log line.
type EventLogSource struct {
	logger       *slog.Logger
	pollEvery    time.Duration
	saveEvery    time.Duration
	countersEach time.Duration
	open         func(channel, bookmark string) (eventReader, error)

	changed chan struct{} // ApplyConfig ran: an idle Run looks again

	mu    sync.Mutex
	items map[string]eventItem
	dir   string
}

// eventItem is one eventlog item, its patterns compiled.
type eventItem struct {
	item     agentconfig.Item
	patterns []*regexp.Regexp
}

// channelState is a channel being read, or failing to open.
type channelState struct {
	spec    eventItem
	reader  eventReader
	failing bool
	counts  []uint64 // matches per pattern
}

// NewEventLogSource returns the source; add it to the agent with AddSource.
func NewEventLogSource(logger *slog.Logger) *EventLogSource {
	if logger == nil {
		logger = slog.Default()
	}
	return &EventLogSource{
		logger: logger, pollEvery: time.Second, saveEvery: positionsEvery, countersEach: agentconfig.DefaultInterval,
		open: func(channel, bookmark string) (eventReader, error) {
			return winevent.Open(channel, bookmark, false)
		},
		items: map[string]eventItem{}, changed: make(chan struct{}, 1),
	}
}

// ApplyConfig takes the eventlog items of cfg; a pattern that does not
// compile refuses the whole configuration and the last good one stays.
func (s *EventLogSource) ApplyConfig(cfg *agentconfig.Config) error {
	items := map[string]eventItem{}
	for _, it := range cfg.Items {
		if it.Kind != agentconfig.KindEventLog {
			continue
		}
		ei := eventItem{item: it}
		for i, p := range it.Patterns {
			re, err := regexp.Compile(p.Regex)
			if err != nil {
				return fmt.Errorf("agent: item %s: patterns[%d].regex: %w", it.Name, i, err)
			}
			ei.patterns = append(ei.patterns, re)
		}
		items[it.Name] = ei
	}
	s.mu.Lock()
	s.items, s.dir = items, cfg.Buffer.Dir
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

// Run reads the channels until ctx is done. Bookmarks are saved at most
// every saveEvery and at the end, and, as log positions, only once the
// events before them are stored (when emit is a sample.Flusher).
func (s *EventLogSource) Run(ctx context.Context, emit sample.Emitter) error {
	open := map[string]*channelState{}
	defer func() {
		for _, st := range open {
			if st.reader != nil {
				st.reader.Close()
			}
		}
	}()
	s.mu.Lock()
	dir := s.dir
	s.mu.Unlock()
	marks := s.loadBookmarks(dir)
	poll := time.NewTicker(s.pollEvery)
	defer poll.Stop()
	counters := time.NewTicker(s.countersEach)
	defer counters.Stop()
	var dirty bool
	var savedAt time.Time
	for {
		dirty = s.pollOnce(ctx, open, marks, emit) || dirty
		if dirty && time.Since(savedAt) >= s.saveEvery {
			dirty = !s.saveBookmarks(dir, marks, emit)
			savedAt = time.Now()
		}
		// Without eventlog items (every host but Windows ones that have
		// some) the source sleeps until the configuration changes.
		var pollC, countersC <-chan time.Time
		if len(open) > 0 {
			pollC, countersC = poll.C, counters.C
		}
		select {
		case <-ctx.Done():
			if dirty {
				s.saveBookmarks(dir, marks, emit)
			}
			s.emitCounters(open, emit)
			return nil
		case <-countersC:
			s.emitCounters(open, emit)
		case <-pollC:
		case <-s.changed:
		}
	}
}

// pollOnce follows the configuration, reads what is new on every channel,
// and reports whether the bookmarks moved.
func (s *EventLogSource) pollOnce(ctx context.Context, open map[string]*channelState, marks map[string]string, emit sample.Emitter) bool {
	s.mu.Lock()
	items := s.items
	s.mu.Unlock()
	changed := false
	for name, st := range open {
		if want, ok := items[name]; !ok || want.item.Channel != st.spec.item.Channel {
			if st.reader != nil {
				st.reader.Close()
			}
			delete(open, name)
			delete(marks, name)
			changed = true
		}
	}
	for name, spec := range items {
		st := open[name]
		if st == nil {
			st = &channelState{}
			open[name] = st
		}
		st.spec = spec
		if len(st.counts) != len(spec.patterns) {
			st.counts = make([]uint64, len(spec.patterns))
		}
		if st.reader == nil && !s.openChannel(st, marks[name]) {
			continue
		}
		if _, err := st.reader.Poll(ctx, func(e winevent.Event) { s.match(st, e, emit) }); err != nil && ctx.Err() == nil {
			s.logger.Warn("agent: reading the event log failed", "item", name, "channel", spec.item.Channel, "err", err)
		}
		if b, err := st.reader.Bookmark(); err == nil && b != "" && b != marks[name] {
			marks[name], changed = b, true
		}
	}
	return changed
}

// openChannel opens st's channel after its bookmark, logging a failure once.
func (s *EventLogSource) openChannel(st *channelState, bookmark string) bool {
	r, err := s.open(st.spec.item.Channel, bookmark)
	if err != nil {
		if !st.failing {
			msg := "agent: cannot open the event log channel"
			if errors.Is(err, errors.ErrUnsupported) {
				msg = "agent: eventlog items run only on Windows"
			}
			s.logger.Error(msg, "item", st.spec.item.Name, "channel", st.spec.item.Channel, "err", err)
		}
		st.failing = true
		return false
	}
	st.reader, st.failing = r, false
	return true
}

// match emits e as an event of the first pattern its text matches.
func (s *EventLogSource) match(st *channelState, e winevent.Event, emit sample.Emitter) {
	text := e.Text()
	for i, re := range st.spec.patterns {
		if !re.MatchString(text) {
			continue
		}
		st.counts[i]++
		p := st.spec.item.Patterns[i]
		at := e.Time
		if at.IsZero() {
			at = time.Now()
		}
		emit.EmitEvents([]sample.Event{{
			Time: at, Source: "eventlog:" + st.spec.item.Channel, Item: st.spec.item.Name,
			Severity: p.Severity, Pattern: p.Name, Message: text,
			Labels: map[string]string{"provider": e.Provider, "event_id": fmt.Sprint(e.EventID), "level": e.Level.String()},
		}})
		return
	}
}

func (s *EventLogSource) emitCounters(open map[string]*channelState, emit sample.Emitter) {
	now := time.Now().UnixMilli()
	var ss []sample.Sample
	for name, st := range open {
		for i, n := range st.counts {
			p := st.spec.item.Patterns[i]
			ss = append(ss, sample.Sample{Name: "unyo_log_matches_total", Value: float64(n), TimeMs: now,
				Labels: sample.Labels("item", name, "pattern", p.Name, "severity", p.Severity)})
		}
	}
	if len(ss) > 0 {
		emit.EmitSamples(ss)
	}
}

func (s *EventLogSource) loadBookmarks(dir string) map[string]string {
	marks := map[string]string{}
	data, err := os.ReadFile(filepath.Join(dir, bookmarksFile))
	if err == nil {
		if err := json.Unmarshal(data, &marks); err != nil {
			s.logger.Warn("agent: event log bookmarks unreadable; reading from now", "err", err)
			marks = map[string]string{}
		}
	}
	return marks
}

// saveBookmarks writes the bookmarks atomically, a crash leaving the old
// file or the new one, once the events read before them are stored. It
// reports whether they were saved.
func (s *EventLogSource) saveBookmarks(dir string, marks map[string]string, emit sample.Emitter) bool {
	if f, ok := emit.(sample.Flusher); ok {
		if err := f.Flush(); err != nil {
			s.logger.Warn("agent: event log bookmarks not saved: events not stored", "err", err)
			return false
		}
	}
	data, _ := json.Marshal(marks)
	path := filepath.Join(dir, bookmarksFile)
	tmp := path + ".tmp"
	err := os.WriteFile(tmp, data, 0o600)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		s.logger.Warn("agent: cannot save event log bookmarks", "path", path, "err", err)
		return false
	}
	return true
}
