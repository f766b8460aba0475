package blueprint

import (
	"context"
	"slices"
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

// An apply before drift kept each silence's recorded form hashed the form
// plans compare instead (no start once it has begun). Such a record, of a
// silence nobody touched since, is no drift; a silence changed by hand
// since is, all the same.
func TestSilenceRecordOfTheOldFormStillCompares(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return now }
	f.stores.Silences = alert.New(alert.NewStore(f.db), nil, nil, nil, alert.Options{Now: clock}, nil)
	f.planner = NewPlanner(f.db, f.stores)
	f.planner.SetClock(clock)

	cart := []alert.Matcher{{Name: "alertname", Op: "=", Value: "cart-errors"}}
	migration := Silence{Comment: "payment gateway migration", Matchers: cart, EndsAt: now.Add(48 * time.Hour)} // at once
	vendor := Silence{Comment: "vendor fix of the cart due", Matchers: cart, StartsAt: now.Add(6 * time.Hour), EndsAt: now.Add(72 * time.Hour)}
	d := &Design{Tenant: "acme-shop", Silences: []Silence{migration, vendor}}
	f.apply(t, d, false)

	// The records as the old apply wrote them: the design's silence as plans
	// compared it then, its start only while still to come.
	for _, s := range []Silence{migration, vendor} {
		old := hash(canon(s))
		var recorded string
		if err := f.db.QueryRowContext(ctx, `SELECT hash FROM design_objects WHERE tenant_id=? AND kind=? AND object_key=?`,
			"acme-shop", KindSilence, s.Comment).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
		if recorded == old && s.StartsAt.IsZero() {
			t.Fatalf("%s: the apply recorded the old form; the test would not tell the two apart", s.Comment)
		}
		if _, err := f.db.ExecContext(ctx, `UPDATE design_objects SET hash=? WHERE tenant_id=? AND kind=? AND object_key=?`,
			old, "acme-shop", KindSilence, s.Comment); err != nil {
			t.Fatal(err)
		}
	}
	noDrift := func(when string) {
		t.Helper()
		if p := f.plan(t, d, false); !p.Empty() || len(p.Drift) != 0 {
			t.Fatalf("%s: changes %q, drift %v", when, changes(p), p.Drift)
		}
		if drifted, err := f.planner.Drifted(ctx, "acme-shop"); err != nil || len(drifted) != 0 {
			t.Fatalf("%s: the console marks %v (%v)", when, drifted, err)
		}
	}
	noDrift("read back at once")
	now = now.Add(time.Hour) // the vendor's silence still to come
	noDrift("an hour later")

	// The migration's silence expired and made anew by hand, ending earlier.
	list, err := f.stores.Silences.Silences(ctx, "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Comment != migration.Comment {
			continue
		}
		if err := f.stores.Silences.ExpireSilence(ctx, "acme-shop", s.ID); err != nil {
			t.Fatal(err)
		}
		shorter := &alert.Silence{TenantID: "acme-shop", Matchers: cart, EndsAt: now.Add(24 * time.Hour), Comment: s.Comment}
		if err := f.stores.Silences.CreateSilence(ctx, shorter, "user:ops"); err != nil {
			t.Fatal(err)
		}
	}
	want := []Ref{{KindSilence, migration.Comment}}
	if p := f.plan(t, d, false); !slices.Equal(p.Drift, want) {
		t.Fatalf("after the change by hand: drift %v, want %v (changes %q)", p.Drift, want, changes(p))
	}
	if drifted, err := f.planner.Drifted(ctx, "acme-shop"); err != nil || !slices.Equal(drifted, want) {
		t.Fatalf("after the change by hand: the console marks %v (%v), want %v", drifted, err, want)
	}
}
