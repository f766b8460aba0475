package agent

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/logwatch"
)

// positionsFile keeps, in the buffer directory, how far each watched file has
// been read, so a restarted agent neither re-reads nor skips lines.
const positionsFile = "log-positions.json"

// positionsEvery is how often the log positions are saved while running
// (and always at a stop). A crash repeats at most the lines read since the
// last save; saving every poll cost more than all the reading.
const positionsEvery = 5 * time.Second

// LogSource runs the log items of the configuration with a logwatch.Watcher:
// matched lines become events, and the match and line counters become the
// series unyo_log_matches_total and unyo_log_lines_read_total, and an
// access log's distinct clients (sessions) unyo_log_unique_clients
// (unyo_log_unique_sessions){item,field,window="hour"|"day"}.
type LogSource struct {
	logger       *slog.Logger
	pollEvery    time.Duration
	saveEvery    time.Duration
	countersEach time.Duration

	mu      sync.Mutex
	allow   func(path string) bool // nil: every file
	cfgs    []logwatch.Config
	dir     string // buffer directory, for the positions file
	watcher *logwatch.Watcher
}

// NewLogSource returns the log source; add it to the agent with AddSource.
func NewLogSource(logger *slog.Logger) *LogSource {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogSource{
		logger: logger, pollEvery: logwatch.DefaultInterval,
		saveEvery: positionsEvery, countersEach: agentconfig.DefaultInterval,
	}
}

// SetAllow limits the files read to those whose real path allow accepts
// (the server's own agent); call it before Run.
func (s *LogSource) SetAllow(allow func(path string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allow = allow
}

// ApplyConfig takes the log items of cfg. A configuration the watcher refuses
// (a bad glob or regexp) leaves the last good one running.
func (s *LogSource) ApplyConfig(cfg *agentconfig.Config) error {
	cfgs := logConfigs(cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watcher != nil {
		if err := s.watcher.Reconfigure(cfgs); err != nil {
			return fmt.Errorf("agent: log items: %w", err)
		}
	}
	s.cfgs, s.dir = cfgs, cfg.Buffer.Dir
	return nil
}

// logConfigs converts the agent's log items to the watcher's configuration.
func logConfigs(cfg *agentconfig.Config) []logwatch.Config {
	var out []logwatch.Config
	for _, it := range cfg.Items {
		if it.Kind != agentconfig.KindLog {
			continue
		}
		lc := logwatch.Config{Item: it.Name, Glob: it.Glob, ClientField: it.ClientField, SessionField: it.SessionField, ClientZone: it.ClientZone}
		for i, p := range it.Patterns {
			name := p.Name
			if name == "" {
				name = fmt.Sprintf("pattern-%d", i+1)
			}
			lc.Patterns = append(lc.Patterns, logwatch.Pattern{Name: name, Regexp: p.Regex, Severity: logwatch.Severity(p.Severity)})
		}
		out = append(out, lc)
	}
	return out
}

// Run watches the files until ctx is done. When emit is a sample.Flusher
// (the agent's batcher is), positions are saved only once the events of the
// lines they cover are stored, so a crash never skips a line.
func (s *LogSource) Run(ctx context.Context, emit sample.Emitter) error {
	opts := []logwatch.Option{logwatch.WithInterval(s.pollEvery), logwatch.WithSaveEvery(s.saveEvery)}
	if f, ok := emit.(sample.Flusher); ok {
		opts = append(opts, logwatch.WithFlush(f.Flush))
	}
	s.mu.Lock()
	if s.allow != nil {
		opts = append(opts, logwatch.WithAllow(s.allow))
	}
	w, err := logwatch.New(s.cfgs, filepath.Join(s.dir, positionsFile), func(e logwatch.Event) {
		emit.EmitEvents([]sample.Event{{
			Time: e.Time, Source: e.Source, Item: e.Item, Severity: string(e.Severity),
			Pattern: e.Pattern, Message: e.Message,
		}})
	}, s.logger, opts...)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("agent: log watcher: %w", err)
	}
	s.watcher = w
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.watcher = nil
		s.mu.Unlock()
		w.Close()
	}()

	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t := time.NewTimer(untilTick(s.countersEach, time.Now()))
	defer t.Stop()
	for {
		select {
		case err := <-done:
			s.emitCounters(w, emit)
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-t.C:
			s.emitCounters(w, emit)
			t.Reset(untilTick(s.countersEach, time.Now()))
		}
	}
}

// emitCounters sends the running counters as samples.
func (s *LogSource) emitCounters(w *logwatch.Watcher, emit sample.Emitter) {
	now := time.Now().UnixMilli()
	var ss []sample.Sample
	for _, c := range w.Counters() {
		ss = append(ss, sample.Sample{Name: "unyo_log_matches_total", Value: float64(c.Value), TimeMs: now,
			Labels: sample.Labels("item", c.Item, "pattern", c.Pattern, "severity", string(c.Severity))})
	}
	for _, c := range w.LineCounters() {
		ss = append(ss, sample.Sample{Name: "unyo_log_lines_read_total", Value: float64(c.Value), TimeMs: now,
			Labels: sample.Labels("item", c.Item, "path", c.Path)})
	}
	// The distinct clients (sessions) of the hour and the day so far, and
	// once a window ended its final count, at its last millisecond.
	for _, u := range w.UniqueCounts(time.UnixMilli(now)) {
		ss = append(ss, sample.Sample{Name: "unyo_log_unique_" + u.What, Value: float64(u.Value), TimeMs: u.At.UnixMilli(),
			Labels: sample.Labels("item", u.Item, "field", u.Field, "window", u.Window)})
	}
	if len(ss) > 0 {
		emit.EmitSamples(ss)
	}
}
