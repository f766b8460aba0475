package limits

import (
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// Tracker counts each tenant's active series where no TSDB head does: in
// front of a remote metrics store, the forwarder shows it every series it
// sends. A series is active from its first write until it has gone idle
// (no write) for the tracker's idle time, the remote store's stand-in for
// leaving the head. It keeps one 64-bit hash and a 32-bit time per series,
// not its labels: a few tens of bytes where the head keeps hundreds
// (docs/BENCHMARKS.md). The counts are the Enforcer's, so max_series,
// unyo_limits_active_series and the limits API read them as they read the
// head's.
//
// Each replica counts the series it forwarded. Behind a load balancer that
// spreads every sender's requests, each replica sees each series within the
// idle time and the count is the tenant's; a sender pinned to one replica
// is counted there only, so a tenant split over N replicas can reach N
// times its limit at most (docs/storage.md).
type Tracker struct {
	e     *Enforcer
	idle  time.Duration
	now   func() time.Time
	start time.Time

	tenants sync.Map // tenant ID → *activeSet
}

// activeSet is one tenant's series: hash → last write, in seconds since
// the tracker started.
type activeSet struct {
	mu   sync.Mutex
	last map[uint64]uint32
}

// NewTracker returns a tracker counting into e's usage, with series idle
// for idle leaving the count.
func NewTracker(e *Enforcer, idle time.Duration) *Tracker {
	return &Tracker{e: e, idle: idle, now: time.Now, start: time.Now()}
}

// SetClock replaces the clock that ages series, for tests; call it before
// the first Admit.
func (t *Tracker) SetClock(now func() time.Time) { t.now, t.start = now, now() }

// Idle is how long a series stays counted after its last write.
func (t *Tracker) Idle() time.Duration { return t.idle }

func (t *Tracker) set(tenant string) *activeSet {
	if s, ok := t.tenants.Load(tenant); ok {
		return s.(*activeSet)
	}
	s, _ := t.tenants.LoadOrStore(tenant, &activeSet{last: map[uint64]uint32{}})
	return s.(*activeSet)
}

func (t *Tracker) tick() uint32 { return uint32(t.now().Sub(t.start) / time.Second) }

// Admit counts a write of lset now. A new series of a tenant at its
// max_series is refused with the *Error the TSDB head's refusal carries, and
// not counted. Admission is exact per tenant: the check and the count are
// made under the tenant's lock.
func (t *Tracker) Admit(lset labels.Labels) error {
	tenant := lset.Get(metricstore.TenantLabel)
	if tenant == "" {
		return nil
	}
	h, now := lset.Hash(), t.tick()
	s := t.set(tenant)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.last[h]; ok {
		s.last[h] = now
		return nil
	}
	if err := t.e.PreCreation(lset); err != nil {
		return err
	}
	s.last[h] = now
	t.e.usage(tenant).series.Add(1)
	return nil
}

// Expire uncounts the series idle for longer than the idle time.
func (t *Tracker) Expire() {
	cutoff := int64(t.tick()) - int64(t.idle/time.Second)
	t.tenants.Range(func(k, v any) bool {
		s := v.(*activeSet)
		s.mu.Lock()
		n := 0
		for h, last := range s.last {
			if int64(last) < cutoff {
				delete(s.last, h)
				n++
			}
		}
		s.mu.Unlock()
		if n > 0 {
			t.e.usage(k.(string)).series.Add(int64(-n))
		}
		return true
	})
}

// Forget uncounts every series of a deleted tenant.
func (t *Tracker) Forget(tenant string) {
	v, ok := t.tenants.LoadAndDelete(tenant)
	if !ok {
		return
	}
	s := v.(*activeSet)
	s.mu.Lock()
	n := len(s.last)
	s.last = map[uint64]uint32{}
	s.mu.Unlock()
	t.e.usage(tenant).series.Add(int64(-n))
}
