package incident

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// TestSLANoticeSurvivesOwnerDeath: the replica ticking a tenant's SLA
// clocks dies during the send of a warning, before or after the outbox
// took it; the replica that takes the lease over sends it, and the outbox
// holds the warning once either way: not lost, not doubled.
func TestSLANoticeSurvivesOwnerDeath(t *testing.T) {
	for _, after := range []bool{false, true} {
		name := "before the enqueue"
		if after {
			name = "after the enqueue"
		}
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t)
			ctx := context.Background()
			svc := fx.service(t, "beta", "api", calendar.Calendar{}, time.Hour, 0, 0)
			fx.clock.set(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
			if _, err := fx.s.Open(ctx, "beta", "alert", Fields{ServiceID: &svc, ShortDescription: ptr("x")}); err != nil {
				t.Fatal(err)
			}
			q := outbox.New(fx.s.db, outbox.Options{}, nil, nil, nil, nil) // never started: only its queue counts
			send := SendSLANotices(q, fx.st, "https://unyo.example.com")
			dying := NewScheduler(fx.s, func(ctx context.Context, n SLANotice) error {
				if after {
					if err := send(ctx, n); err != nil {
						t.Error(err)
					}
				}
				runtime.Goexit() // the process dies here: nothing after this line runs
				return nil
			}, time.Minute, nil)
			fx.clock.set(time.Date(2026, 1, 5, 0, 50, 0, 0, time.UTC)) // past 75% of the hour
			done := make(chan struct{})
			go func() { defer close(done); dying.Tick(ctx) }()
			<-done

			taker := NewScheduler(fx.s, send, time.Minute, nil)
			got, err := taker.Tick(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Kind != NoticeWarning {
				t.Fatalf("the taker sent %+v, want the warning the dead owner did not record", got)
			}
			var n int
			if err := fx.s.db.QueryRow(`SELECT COUNT(*) FROM outbox_messages WHERE tenant_id='beta' AND key LIKE 'sla:%'`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("SLA notifications queued: %d, %v; want exactly 1", n, err)
			}
			if again, _ := taker.Tick(ctx); len(again) != 0 {
				t.Fatalf("a second tick sent %+v again", again)
			}
		})
	}
}

// TestSLASchedulerShard: a scheduler ticks only the tenants whose SLA
// lease its replica holds.
func TestSLASchedulerShard(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "beta", "api", calendar.Calendar{}, time.Hour, 0, 0)
	fx.clock.set(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if _, err := fx.s.Open(ctx, "beta", "alert", Fields{ServiceID: &svc, ShortDescription: ptr("x")}); err != nil {
		t.Fatal(err)
	}
	fx.clock.set(time.Date(2026, 1, 5, 0, 50, 0, 0, time.UTC))
	other := NewScheduler(fx.s, nil, time.Minute, nil)
	other.SetShard(func(tenant string) bool { return tenant == "acme" })
	if got, err := other.Tick(ctx); err != nil || len(got) != 0 {
		t.Fatalf("a replica not owning beta recorded %+v, %v", got, err)
	}
	owner := NewScheduler(fx.s, nil, time.Minute, nil)
	owner.SetShard(func(tenant string) bool { return tenant == "beta" })
	if got, err := owner.Tick(ctx); err != nil || len(got) != 1 {
		t.Fatalf("the owner of beta recorded %+v, %v; want the warning", got, err)
	}
}
