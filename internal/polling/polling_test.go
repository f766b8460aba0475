package polling

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/testwait"
)

type target struct{ tenant, host, item string }

// recorder is a sink that keeps what it was handed, by tenant/host.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]sample.Sample
}

func (r *recorder) sink(_ context.Context, tenant, host string, ss []sample.Sample) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[tenant+"/"+host] = append(r.calls[tenant+"/"+host], ss...)
	return nil
}

func (r *recorder) count(key, item string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.calls[key] {
		if s.Name == item {
			n++
		}
	}
	return n
}

func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.For(t, 10*time.Second, what, cond)
}

// TestRunnerPollsListsAndDrops is the schedule: every target listed is
// polled again and again into its host's samples; a target that cannot
// start is never polled; one dropped at a reload stops and is closed; what
// is gathered reaches the sink, also on stop.
func TestRunnerPollsListsAndDrops(t *testing.T) {
	var mu sync.Mutex
	list := []target{{"acme", "sw-01", "a"}, {"acme", "sw-01", "b"}, {"beta", "db-01", "c"}, {"acme", "sw-02", "broken"}}
	closed := map[string]bool{}
	rec := &recorder{calls: map[string][]sample.Sample{}}
	r := New(Options[target]{
		Name: "test",
		Targets: func(context.Context) ([]target, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]target(nil), list...), nil
		},
		Key: func(t target) string { return t.tenant + "/" + t.host + "/" + t.item },
		Start: func(t target) (Job, error) {
			if t.item == "broken" {
				return Job{}, errors.New("cannot start")
			}
			return Job{Tenant: t.tenant, Host: t.host, Every: 50 * time.Millisecond,
				Poll: func(_ context.Context, now time.Time) []sample.Sample {
					return []sample.Sample{{Name: t.item, Value: 1, TimeMs: now.UnixMilli()}}
				},
				Close: func() { mu.Lock(); closed[t.item] = true; mu.Unlock() }}, nil
		},
		Sink: rec.sink, Flush: 20 * time.Millisecond, Concurrency: 2,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	await(t, "every good target polled 3 times", func() bool {
		return rec.count("acme/sw-01", "a") >= 3 && rec.count("acme/sw-01", "b") >= 3 && rec.count("beta/db-01", "c") >= 3
	})
	if n := rec.count("acme/sw-02", "broken"); n != 0 {
		t.Errorf("the target that cannot start was polled %d times", n)
	}
	mu.Lock()
	list = list[:2] // beta's target is gone
	mu.Unlock()
	r.Reload()
	await(t, "the dropped target closed", func() bool { mu.Lock(); defer mu.Unlock(); return closed["c"] })
	// Once the kept targets have polled on (and been flushed), the dropped
	// one's count is final: it must not grow while they poll on again.
	after := rec.count("acme/sw-01", "a")
	await(t, "the kept targets polled on", func() bool { return rec.count("acme/sw-01", "a") >= after+3 })
	before := rec.count("beta/db-01", "c")
	after = rec.count("acme/sw-01", "a")
	await(t, "the kept targets polled on again", func() bool { return rec.count("acme/sw-01", "a") >= after+3 })
	if n := rec.count("beta/db-01", "c"); n != before {
		t.Errorf("the dropped target was polled %d more times", n-before)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !closed["a"] || !closed["b"] {
		t.Errorf("stopping closed %v, want a and b too", closed)
	}
}

func TestUntilTick(t *testing.T) {
	now := time.Unix(1000, 250e6)
	if got := UntilTick(time.Second, now); got != 750*time.Millisecond {
		t.Errorf("UntilTick(1s, .250) = %v, want 750ms", got)
	}
	if got := UntilTick(time.Minute, time.Unix(120, 0)); got != time.Minute {
		t.Errorf("UntilTick(1m, on the tick) = %v, want a whole minute", got)
	}
}

// TestRunnerPollsOnlyTenantsOwned: with Owns, a tenant another replica
// polls keeps its schedule here but is not polled; once this replica owns
// it, it is polled from its next tick, and a tenant it gave up stops.
func TestRunnerPollsOnlyTenantsOwned(t *testing.T) {
	var mu sync.Mutex
	owned := map[string]bool{"acme": true}
	rec := &recorder{calls: map[string][]sample.Sample{}}
	r := New(Options[target]{
		Name: "test",
		Targets: func(context.Context) ([]target, error) {
			return []target{{"acme", "sw-01", "a"}, {"beta", "db-01", "b"}}, nil
		},
		Key: func(t target) string { return t.tenant + "/" + t.item },
		Start: func(t target) (Job, error) {
			return Job{Tenant: t.tenant, Host: t.host, Every: 20 * time.Millisecond,
				Poll: func(_ context.Context, now time.Time) []sample.Sample {
					return []sample.Sample{{Name: t.item, Value: 1, TimeMs: now.UnixMilli()}}
				}}, nil
		},
		Owns: func(tenant string) bool { mu.Lock(); defer mu.Unlock(); return owned[tenant] },
		Sink: rec.sink, Flush: 10 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	await(t, "acme polled 5 times", func() bool { return rec.count("acme/sw-01", "a") >= 5 })
	if n := rec.count("beta/db-01", "b"); n != 0 {
		t.Fatalf("beta, owned elsewhere, polled %d times", n)
	}
	mu.Lock()
	owned = map[string]bool{"beta": true} // acme handed over, beta taken over
	mu.Unlock()
	await(t, "beta polled 5 times", func() bool { return rec.count("beta/db-01", "b") >= 5 })
	before := rec.count("acme/sw-01", "a")
	after := rec.count("beta/db-01", "b")
	await(t, "beta polled on", func() bool { return rec.count("beta/db-01", "b") >= after+5 })
	if n := rec.count("acme/sw-01", "a"); n > before+1 { // one poll may have been in flight at the handover
		t.Errorf("acme, handed over, polled %d more times", n-before)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
