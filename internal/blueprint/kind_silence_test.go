package blueprint

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// A silence applied before its start, and one applied to start at once,
// are not drift once their start has passed: nobody changed them by hand.
// The planner and the alert engine share one clock, moved forward.
func TestSilenceStartPassedIsNoDrift(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	f.stores.Silences = alert.New(alert.NewStore(f.db), nil, nil, nil, alert.Options{Now: clock}, nil)
	f.planner = NewPlanner(f.db, f.stores)
	f.planner.SetClock(clock)

	cart := []alert.Matcher{{Name: "alertname", Op: "=", Value: "cart-errors"}}
	d := &Design{Tenant: "acme-shop", Silences: []Silence{
		{Comment: "vendor fix of the cart due", Matchers: cart, StartsAt: now.Add(time.Hour), EndsAt: now.Add(72 * time.Hour)},
		{Comment: "payment gateway migration", Matchers: cart, EndsAt: now.Add(48 * time.Hour)}, // at once
	}}
	if got := changes(f.apply(t, d, false).Plan); got != "create silence payment gateway migration\ncreate silence vendor fix of the cart due" {
		t.Fatalf("apply:\n%s", got)
	}
	for _, later := range []time.Duration{0, time.Minute, 2 * time.Hour, 24 * time.Hour} {
		now = now.Add(later)
		p := f.plan(t, d, false)
		if !p.Empty() || len(p.Drift) != 0 {
			t.Fatalf("%s after the apply: changes %q, drift %v", later, changes(p), p.Drift)
		}
		if drifted, err := f.planner.Drifted(context.Background(), "acme-shop"); err != nil || len(drifted) != 0 {
			t.Fatalf("%s after the apply: the console marks %v (%v)", later, drifted, err)
		}
	}

	// A silence expired and made anew by hand, starting later, is drift.
	list, err := f.stores.Silences.Silences(context.Background(), "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Comment != "payment gateway migration" {
			continue
		}
		if err := f.stores.Silences.ExpireSilence(context.Background(), "acme-shop", s.ID); err != nil {
			t.Fatal(err)
		}
		again := &alert.Silence{TenantID: "acme-shop", Matchers: cart, StartsAt: now.Add(time.Hour), EndsAt: s.EndsAt, Comment: s.Comment}
		if err := f.stores.Silences.CreateSilence(context.Background(), again, "user:ops"); err != nil {
			t.Fatal(err)
		}
	}
	if p := f.plan(t, d, false); len(p.Drift) != 1 || p.Drift[0] != (Ref{KindSilence, "payment gateway migration"}) {
		t.Fatalf("drift %v, changes %q", p.Drift, changes(p))
	}
}
