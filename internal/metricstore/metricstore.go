// Package metricstore keeps unyo's metrics in an embedded Prometheus TSDB and
// hands out queryables that only ever see one tenant's series.
package metricstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// TenantLabel is the label that names a series' owner. unyo sets it on every
// series it stores and adds a matcher for it to every query.
const TenantLabel = "tenant"

// Options configure the embedded TSDB.
type Options struct {
	Retention time.Duration // how long samples are kept
	// OutOfOrderWindow lets agents that were cut off send buffered, older samples.
	OutOfOrderWindow time.Duration
	// Series, when set, is told of every series the head creates and
	// drops, and may refuse a new one (per-tenant series limits).
	Series tsdb.SeriesLifecycleCallback
	// BlockDuration is the span of the head's data written to a block at a
	// time (0: the TSDB's 2 hours). Shorter is for soaks and tests that must
	// see head compactions, and the symbol-table rebuilds after them, within
	// the hour; it makes more, smaller blocks.
	BlockDuration time.Duration
	// compactPeriod replaces compactEvery (tests that must see the ticker
	// compact without waiting a minute).
	compactPeriod time.Duration
	// SamplesPerChunk is how many samples the head aims to put in a
	// series' chunk before it cuts the chunk and memory-maps it (0: the
	// TSDB's 120). The chunk being built is on the heap: fewer samples a
	// chunk keep it smaller, at a cost in compression and in chunk
	// references per series (docs/BENCHMARKS.md, "Where the RSS goes").
	SamplesPerChunk int
}

// Store is the embedded TSDB.
type Store struct {
	db       *tsdb.DB
	meta     metadata // what senders say of their metric families, per tenant
	logger   *slog.Logger
	cleaning sync.WaitGroup // tombstone cleaning after DeleteTenant

	compacting     sync.Mutex    // one Compact at a time
	rebuilds       atomic.Uint64 // the head's compactions, so symbol-table rebuilds (SymbolGeneration)
	stopCompacting context.CancelFunc
	compactDone    chan struct{} // closed when compactLoop has returned

	mu      sync.Mutex
	deleted map[string]deletion // deleted tenants whose series an index may still name
}

// Open opens (creating if needed) the TSDB in dir and replays its WAL.
func Open(dir string, opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Store, error) {
	o := tsdb.DefaultOptions()
	if opts.Retention > 0 {
		o.RetentionDuration = opts.Retention.Milliseconds()
	}
	o.OutOfOrderTimeWindow = opts.OutOfOrderWindow.Milliseconds()
	o.SeriesLifecycleCallback = opts.Series
	// Isolation (a query sees all or none of one commit's samples) costs a
	// ring of transaction IDs per series and work on every append. Nothing
	// unyo stores relies on it: remote-write senders split a scrape over
	// many requests, so one request's commit is no unit a reader could
	// count on. Cortex and Mimir ingesters run without it for the same
	// reason (docs/BENCHMARKS.md, "Memory per active series").
	o.IsolationDisabled = true
	if opts.SamplesPerChunk > 0 {
		o.SamplesPerChunk = opts.SamplesPerChunk
	}
	if opts.BlockDuration > 0 {
		o.MinBlockDuration = opts.BlockDuration.Milliseconds()
	}
	o.MaxBlockDuration = maxBlockDuration(o.RetentionDuration, o.MinBlockDuration)
	db, err := tsdb.Open(dir, logger.With("component", "tsdb"), reg, o, nil)
	if err != nil {
		return nil, fmt.Errorf("metricstore: cannot open TSDB at %q: %w", dir, err)
	}
	// The store compacts on its own ticker (compactLoop) so that it knows
	// when the head was compacted and its symbol table rebuilt. The TSDB's
	// loop goes on reloading blocks (retention) and mapping head chunks;
	// the compactions it would start it counts as skipped. Its first tick is
	// a minute away and nothing has appended yet, so it has compacted
	// nothing before this.
	db.DisableCompactions()
	s := &Store{db: db, logger: logger}
	if err := s.loadDeleted(); err != nil {
		db.Close()
		return nil, fmt.Errorf("metricstore: cannot read the deleted tenants in %q: %w", dir, err)
	}
	period := opts.compactPeriod
	if period <= 0 {
		period = compactEvery
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopCompacting, s.compactDone = cancel, make(chan struct{})
	go s.compactLoop(ctx, period)
	return s, nil
}

// maxBlockDuration is how long a compacted block may grow, as Prometheus
// decides it: a tenth of the retention, at most 31 days. The TSDB's own
// default keeps 2-hour blocks, so a month's report would open 360 of them.
func maxBlockDuration(retentionMs, minMs int64) int64 {
	const limit = int64(31 * 24 * time.Hour / time.Millisecond)
	d := min(retentionMs/10, limit)
	if d < minMs {
		return minMs
	}
	return d - d%minMs // whole multiples of the head's block range
}

// AppenderV2 returns a transaction for appending samples. Samples are durable
// in the WAL once Commit returns.
func (s *Store) AppenderV2(ctx context.Context) storage.AppenderV2 { return s.db.AppenderV2(ctx) }

// Queryable returns the unscoped queryable. Only code that adds its own tenant
// matcher, or that works across tenants for MSP staff, may use it.
func (s *Store) Queryable() storage.Queryable { return s.db }

// SeriesLabels returns the label set the head keeps for series ref: the
// same string, not a copy, so that a cache which holds it (the remote-write
// series cache) costs no label bytes of its own.
func (s *Store) SeriesLabels(ref storage.SeriesRef) (labels.Labels, bool) {
	ir, err := s.db.Head().Index()
	if err != nil {
		return labels.EmptyLabels(), false
	}
	defer ir.Close()
	var b labels.ScratchBuilder
	if err := ir.Series(ref, &b, nil); err != nil {
		return labels.EmptyLabels(), false
	}
	return b.Labels(), true
}

// Head returns statistics for readiness and self-monitoring.
func (s *Store) Head() *tsdb.Head { return s.db.Head() }

// Close stops the compactions, waiting for one under way to end, and
// flushes and closes the TSDB.
func (s *Store) Close() error {
	s.stopCompacting()
	<-s.compactDone
	s.cleaning.Wait()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("metricstore: cannot close TSDB: %w", err)
	}
	return nil
}
