package limits

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Enforcer holds every tenant's limits and what each tenant uses now, and
// decides whether a write or a query may go on. It is safe for concurrent use.
type Enforcer struct {
	defaults Limits
	store    *Store // nil: overrides live in memory only
	now      func() time.Time

	mu        sync.RWMutex
	overrides map[string]Override

	tenants sync.Map // tenant ID → *usage
	// enforcing turns the series limit on once the TSDB has replayed its
	// WAL: series that exist on disk are counted, never refused.
	enforcing atomic.Bool

	refused *prometheus.CounterVec
}

// usage is what one tenant takes now.
type usage struct {
	series  atomic.Int64
	queries atomic.Int64
	mu      sync.Mutex // guards ingest
	ingest  bucket
}

// New returns an enforcer of defaults with the overrides kept in store
// (nil keeps them in memory). Call Load before serving.
func New(defaults Limits, store *Store, reg prometheus.Registerer) *Enforcer {
	e := &Enforcer{defaults: defaults, store: store, now: time.Now, overrides: map[string]Override{}}
	e.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "unyo_limits_refused_total",
		Help: "Requests (or, for max_series, series) refused because a tenant was over a limit, by tenant and limit.",
	}, []string{"tenant", "limit"})
	if reg != nil {
		reg.MustRegister(e.refused, &seriesCollector{e: e, desc: prometheus.NewDesc("unyo_limits_active_series",
			"Series of each tenant in the TSDB's head, the count max_series bounds.", []string{"tenant"}, nil)})
	}
	return e
}

// SetClock replaces the clock of the ingest rate limit, for tests.
func (e *Enforcer) SetClock(now func() time.Time) { e.now = now }

// Load reads the stored overrides.
func (e *Enforcer) Load(ctx context.Context) error {
	if e.store == nil {
		return nil
	}
	all, err := e.store.All(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.overrides = all
	e.mu.Unlock()
	return nil
}

// Defaults returns the server-wide defaults.
func (e *Enforcer) Defaults() Limits { return e.defaults }

// Override returns tenant's override (empty when it has none).
func (e *Enforcer) Override(tenant string) Override {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.overrides[tenant]
}

// For returns tenant's effective limits.
func (e *Enforcer) For(tenant string) Limits { return e.Override(tenant).Apply(e.defaults) }

// SetOverride validates, stores and applies tenant's override; an empty
// one returns the tenant to the defaults.
func (e *Enforcer) SetOverride(ctx context.Context, tenant string, o Override) error {
	if err := o.Apply(Limits{}).Validate(); err != nil {
		return err
	}
	if e.store != nil {
		if err := e.store.Put(ctx, tenant, o); err != nil {
			return err
		}
	}
	e.mu.Lock()
	if o.Empty() {
		delete(e.overrides, tenant)
	} else {
		e.overrides[tenant] = o
	}
	e.mu.Unlock()
	return nil
}

// Forget drops a deleted tenant's override from memory (the database row
// goes with the tenant), so that a new tenant of the same ID starts at the
// defaults. Its usage stays: its series are in the head until they leave it.
func (e *Enforcer) Forget(tenant string) {
	e.mu.Lock()
	delete(e.overrides, tenant)
	e.mu.Unlock()
}

func (e *Enforcer) usage(tenant string) *usage {
	if u, ok := e.tenants.Load(tenant); ok {
		return u.(*usage)
	}
	u, _ := e.tenants.LoadOrStore(tenant, new(usage))
	return u.(*usage)
}

// Refused counts a refusal of tenant for limit, for the MSP admin's metrics.
func (e *Enforcer) Refused(tenant, limit string) { e.refused.WithLabelValues(tenant, limit).Inc() }

// AllowSamples takes n samples from tenant's ingest rate. Over the rate it
// returns a 429 *Error with the wait before the samples could pass.
func (e *Enforcer) AllowSamples(tenant string, n int) error {
	l := e.For(tenant)
	if l.IngestRate <= 0 || n == 0 {
		return nil
	}
	u := e.usage(tenant)
	u.mu.Lock()
	wait := u.ingest.take(e.now(), l.IngestRate, l.IngestBurst, n)
	u.mu.Unlock()
	if wait == 0 {
		return nil
	}
	e.Refused(tenant, NameIngestRate)
	return tooMany(NameIngestRate, wait, "over the limit %s of %g samples per second (burst %d): %d samples refused, retry after %s",
		NameIngestRate, l.IngestRate, max(l.IngestBurst, int(l.IngestRate)), n, wait.Round(time.Millisecond))
}

// StartQuery takes one of tenant's query slots; done gives it back. With
// every slot taken it returns a 429 *Error at once: waiting would hold the
// connection and the client's own timeout would fire anyway.
func (e *Enforcer) StartQuery(tenant string) (done func(), err error) {
	l := e.For(tenant)
	u := e.usage(tenant)
	if n := u.queries.Add(1); l.MaxConcurrentQueries > 0 && n > int64(l.MaxConcurrentQueries) {
		u.queries.Add(-1)
		e.Refused(tenant, NameMaxConcurrentQueries)
		return nil, tooMany(NameMaxConcurrentQueries, time.Second, "over the limit %s: %d queries of this tenant are running",
			NameMaxConcurrentQueries, l.MaxConcurrentQueries)
	}
	var once sync.Once
	return func() { once.Do(func() { u.queries.Add(-1) }) }, nil
}

// ActiveSeries returns tenant's series in the head.
func (e *Enforcer) ActiveSeries(tenant string) int64 { return e.usage(tenant).series.Load() }

// seriesError is the error of a series refused for max_series. It is not
// retryable: the series would be refused again until others leave the head.
func seriesError(limit int) *Error {
	return &Error{Limit: NameMaxSeries, Status: http.StatusBadRequest,
		Message: fmt.Sprintf("over the limit %s of %d active series: new series are refused until old ones leave the head", NameMaxSeries, limit)}
}

type seriesCollector struct {
	e    *Enforcer
	desc *prometheus.Desc
}

func (c *seriesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *seriesCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.tenants.Range(func(k, v any) bool {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v.(*usage).series.Load()), k.(string))
		return true
	})
}
