package logwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Event is one log line that matched a pattern.
type Event struct {
	Time     time.Time // when the line was read, not a time parsed from it
	Source   string    // the file's path; for a rotated file, the name it was watched under
	Item     string
	Pattern  string
	Severity Severity
	Message  string // the line without its newline, valid UTF-8, at most 8 KiB
}

// ErrClosed is returned by Poll and Reconfigure after Close.
var ErrClosed = errors.New("logwatch: watcher closed")

// Defaults of the watcher options.
const (
	DefaultInterval   = time.Second
	DefaultRotateWait = 5 * time.Second
)

// readBufSize is the size of the one read buffer a watcher reuses.
const readBufSize = 64 << 10

type options struct {
	interval   time.Duration
	rotateWait time.Duration
	saveEvery  time.Duration
	flush      func() error
	now        func() time.Time
	allow      func(path string) bool
}

// Option tunes a Watcher.
type Option func(*options)

// WithInterval sets how often Run polls; the default is DefaultInterval.
func WithInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// WithRotateWait sets how long a rotated file is kept open after it last
// grew, for the application's last writes; the default is DefaultRotateWait.
func WithRotateWait(d time.Duration) Option { return func(o *options) { o.rotateWait = d } }

// WithSaveEvery makes Poll save the positions at most once every d (Close
// and Reconfigure always save). Lines read since the last save are read
// again after a crash, so d bounds the duplicates a crash can cause; the
// default, 0, saves after every poll that moved a position.
func WithSaveEvery(d time.Duration) Option { return func(o *options) { o.saveEvery = d } }

// WithFlush sets the durability barrier: flush is called before every save
// of the positions, under the watcher's lock, and must return only once
// every event emitted so far is durable. Positions are not saved when it
// fails, so a line is never marked read before its event is stored. flush
// must not call the watcher.
func WithFlush(flush func() error) Option { return func(o *options) { o.flush = flush } }

// WithAllow makes the watcher open only files whose real path (symbolic
// links resolved) allow accepts; others are skipped with a warning. The
// server's own agent is limited so to the files its admin allows.
func WithAllow(allow func(path string) bool) Option { return func(o *options) { o.allow = allow } }

// WithClock replaces time.Now, for tests of the flush timeout and rotate wait.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Watcher tails the files of several items, matches their lines and keeps
// their positions. Poll, Reconfigure and Close are serialized; Counters and
// LineCounters may be called at any time.
type Watcher struct {
	mu        sync.Mutex
	items     []*item
	positions positionsStore
	emit      func(Event)
	log       *slog.Logger
	opts      options
	buf       []byte
	closed    bool
	counters  *counterSet
	savedAt   time.Time     // when Poll last saved, for the save interval
	changed   chan struct{} // Reconfigure ran: an idle Run looks again
}

// New validates cfgs and loads the positions file (an empty path keeps
// positions in memory only). emit is called synchronously from Poll, under
// the watcher's lock: it must not call Poll, Reconfigure or Close.
func New(cfgs []Config, positionsPath string, emit func(Event), logger *slog.Logger, opts ...Option) (*Watcher, error) {
	compiledCfgs, err := compileAll(cfgs)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := options{interval: DefaultInterval, rotateWait: DefaultRotateWait, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if positionsPath != "" {
		if err := os.MkdirAll(filepath.Dir(positionsPath), 0o700); err != nil {
			return nil, fmt.Errorf("logwatch: positions directory: %w", err)
		}
	}
	saved, err := loadPositions(positionsPath, logger)
	if err != nil {
		return nil, fmt.Errorf("logwatch: %w", err)
	}
	w := &Watcher{
		positions: positionsStore{path: positionsPath},
		emit:      emit,
		log:       logger,
		opts:      o,
		buf:       make([]byte, readBufSize),
		counters:  newCounterSet(),
		changed:   make(chan struct{}, 1),
	}
	env := w.env()
	for _, c := range compiledCfgs {
		recs, known := saved[c.cfg.Item]
		w.items = append(w.items, newItem(c, recs, known, env))
	}
	return w, nil
}

// Run polls every interval until ctx is done, then closes the watcher.
// A failed poll is logged and retried at the next tick. Ticks fall on the
// multiples of the interval (whole seconds by default), so that the process
// wakes for the polls and for the agent's other periodic work together.
// With no item to watch it sleeps until Reconfigure gives it one.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("logwatch: poll failed", "err", err)
		}
		var tick <-chan time.Time
		if w.watching() {
			t.Reset(untilTick(w.opts.interval, time.Now()))
			tick = t.C
		}
		select {
		case <-ctx.Done():
			return w.Close()
		case <-tick:
		case <-w.changed:
		}
		t.Stop()
	}
}

func (w *Watcher) watching() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.items) > 0
}

// untilTick is how long to the next multiple of every since the Unix epoch
// that is at least half an interval away.
func untilTick(every time.Duration, now time.Time) time.Duration {
	if every <= 0 {
		return 0
	}
	d := every - time.Duration(now.UnixNano()%int64(every))
	if d < every/2 {
		d += every
	}
	return d
}

// Poll scans once: picks up new files, reads every file to its current
// end, emits the matching lines and saves the positions. It returns when
// done, so tests and the agent's shutdown can rely on what was read.
func (w *Watcher) Poll(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	env := w.env()
	var pollErr error
	for _, it := range w.items {
		if pollErr = it.poll(ctx, env); pollErr != nil {
			break
		}
	}
	// Save even after a cancelled poll: offsets only ever stop at line ends.
	if env.now.Sub(w.savedAt) < w.opts.saveEvery {
		return pollErr
	}
	if err := w.save(); err != nil {
		return errors.Join(pollErr, err)
	}
	w.savedAt = env.now
	return pollErr
}

// Reconfigure replaces the items. Items that keep their name keep their
// files, positions and counters; a new item starts as on a first start;
// the files of a removed item are closed and its positions forgotten.
func (w *Watcher) Reconfigure(cfgs []Config) error {
	compiledCfgs, err := compileAll(cfgs)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	old := make(map[string]*item, len(w.items))
	for _, it := range w.items {
		old[it.cfg.Item] = it
	}
	items := make([]*item, 0, len(compiledCfgs))
	for _, c := range compiledCfgs {
		if it, ok := old[c.cfg.Item]; ok {
			if sameUniques(it.cfg, c.cfg) {
				c.uniques = it.uniques // the hour's and day's clients so far
			}
			w.counters.setUniques(c.cfg.Item, c.uniques)
			it.compiled = c
			it.matches = w.counters.patterns(c.cfg)
			items = append(items, it)
			delete(old, c.cfg.Item)
			continue
		}
		items = append(items, newItem(c, nil, false, w.env()))
	}
	for name, it := range old {
		it.close()
		w.counters.retainLines(name, nil)
		w.counters.setUniques(name, nil)
	}
	w.items = items
	w.counters.retainPatterns(compiledCfgs)
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return w.save()
}

// Close saves the positions and closes the files. An unfinished last line
// is not flushed: its saved offset is its start, so it is read on restart.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.save()
	for _, it := range w.items {
		it.close()
	}
	return err
}

// Counters returns the match count of every configured pattern, zero included.
func (w *Watcher) Counters() []Counter { return w.counters.snapshotMatches() }

// LineCounters returns the lines read from every open file.
func (w *Watcher) LineCounters() []LineCounter { return w.counters.snapshotLines() }

// UniqueCounts returns, for every item with a client or session field,
// the final count of each window that ended since the last call, then the
// count so far of each window open at now.
func (w *Watcher) UniqueCounts(now time.Time) []UniqueCount { return w.counters.snapshotUniques(now) }

// sameUniques reports whether two configurations of an item count the
// same distinct clients, so a reload keeps the counts so far.
func sameUniques(a, b Config) bool {
	return a.ClientField == b.ClientField && a.SessionField == b.SessionField && a.ClientZone == b.ClientZone
}

func (w *Watcher) env() *pollEnv {
	return &pollEnv{
		now: w.opts.now(), buf: w.buf, emit: w.emit, log: w.log,
		rotateWait: w.opts.rotateWait, counters: w.counters, allow: w.opts.allow,
	}
}

// save writes the positions if they moved, once the events of the lines
// they cover are durable. Callers hold w.mu.
func (w *Watcher) save() error {
	items := make(map[string][]record, len(w.items))
	for _, it := range w.items {
		items[it.cfg.Item] = it.records()
	}
	data, changed, err := w.positions.encode(items)
	if err != nil || !changed {
		return err
	}
	// Every event of a line before these offsets was emitted, under this
	// lock, before the flush: once it returns, they are stored.
	if w.opts.flush != nil {
		if err := w.opts.flush(); err != nil {
			return fmt.Errorf("logwatch: positions not saved, events not stored: %w", err)
		}
	}
	if err := w.positions.write(data); err != nil {
		return fmt.Errorf("logwatch: %w", err)
	}
	return nil
}
