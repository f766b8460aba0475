package logwatch

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Counter is the running count of lines that matched one pattern of one
// item; the agent sends it as unyo_log_matches_total{item,pattern,severity}.
type Counter struct {
	Item     string
	Pattern  string
	Severity Severity
	Value    uint64
}

// LineCounter is the running count of lines read from one file of one
// item; the agent sends it as unyo_log_lines_read_total{item,path}.
type LineCounter struct {
	Item  string
	Path  string
	Value uint64
}

type matchKey struct {
	item, pattern string
	severity      Severity
}

type lineKey struct{ item, path string }

// counterSet holds the counters apart from the watcher's lock, so that a
// metrics scrape never waits for a long poll, and the hot path only does
// an atomic add on a pointer it already holds.
type counterSet struct {
	mu      sync.Mutex
	matches map[matchKey]*atomic.Uint64
	lines   map[lineKey]*atomic.Uint64
	uniques map[string]*uniques // by item
}

func newCounterSet() *counterSet {
	return &counterSet{matches: map[matchKey]*atomic.Uint64{}, lines: map[lineKey]*atomic.Uint64{}, uniques: map[string]*uniques{}}
}

// setUniques makes u the distinct clients of item (nil: none).
func (cs *counterSet) setUniques(item string, u *uniques) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if u == nil {
		delete(cs.uniques, item)
		return
	}
	cs.uniques[item] = u
}

func (cs *counterSet) snapshotUniques(now time.Time) []UniqueCount {
	cs.mu.Lock()
	us := make([]*uniques, 0, len(cs.uniques))
	for _, u := range cs.uniques {
		us = append(us, u)
	}
	cs.mu.Unlock()
	sort.Slice(us, func(i, j int) bool { return us[i].item < us[j].item })
	var out []UniqueCount
	for _, u := range us {
		out = append(out, u.counts(now)...)
	}
	return out
}

// patterns returns the counters of c's patterns, in order, keeping the
// values of patterns that survive a reconfiguration.
func (cs *counterSet) patterns(c Config) []*atomic.Uint64 {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]*atomic.Uint64, len(c.Patterns))
	for i, p := range c.Patterns {
		k := matchKey{c.Item, p.Name, p.Severity}
		if cs.matches[k] == nil {
			cs.matches[k] = new(atomic.Uint64)
		}
		out[i] = cs.matches[k]
	}
	return out
}

// retainPatterns drops the counters of patterns no longer configured.
func (cs *counterSet) retainPatterns(cfgs []compiled) {
	keep := map[matchKey]bool{}
	for _, c := range cfgs {
		for _, p := range c.cfg.Patterns {
			keep[matchKey{c.cfg.Item, p.Name, p.Severity}] = true
		}
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for k := range cs.matches {
		if !keep[k] {
			delete(cs.matches, k)
		}
	}
}

func (cs *counterSet) line(item, path string) *atomic.Uint64 {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	k := lineKey{item, path}
	if cs.lines[k] == nil {
		cs.lines[k] = new(atomic.Uint64)
	}
	return cs.lines[k]
}

// retainLines drops the line counters of item's files no longer watched.
func (cs *counterSet) retainLines(item string, paths map[string]bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for k := range cs.lines {
		if k.item == item && !paths[k.path] {
			delete(cs.lines, k)
		}
	}
}

func (cs *counterSet) snapshotMatches() []Counter {
	cs.mu.Lock()
	out := make([]Counter, 0, len(cs.matches))
	for k, v := range cs.matches {
		out = append(out, Counter{Item: k.item, Pattern: k.pattern, Severity: k.severity, Value: v.Load()})
	}
	cs.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Item != out[j].Item {
			return out[i].Item < out[j].Item
		}
		return out[i].Pattern < out[j].Pattern
	})
	return out
}

func (cs *counterSet) snapshotLines() []LineCounter {
	cs.mu.Lock()
	out := make([]LineCounter, 0, len(cs.lines))
	for k, v := range cs.lines {
		out = append(out, LineCounter{Item: k.item, Path: k.path, Value: v.Load()})
	}
	cs.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Item != out[j].Item {
			return out[i].Item < out[j].Item
		}
		return out[i].Path < out[j].Path
	})
	return out
}
