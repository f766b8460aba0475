package escalation

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
)

func twoSteps() *Policy {
	return &Policy{Name: "default", Default: true, Steps: []Step{
		{Targets: []string{"l1"}, Wait: model.Duration(15 * time.Minute)},
		{Targets: []string{"l2"}, Wait: model.Duration(30 * time.Minute)},
	}}
}

// TestStepsFollowTheClock: the first step goes out at once, the second
// only once its wait has passed on the scheduler's clock, then nothing.
func TestStepsFollowTheClock(t *testing.T) {
	e := newEnv(t)
	e.policy(t, twoSteps())
	ctx := context.Background()
	start := time.Now()
	if err := e.outbox.Enqueue(ctx, firing("a1")); err != nil {
		t.Fatal(err)
	}
	if n := e.settle(t); n != 1 || len(e.l1.Messages()) != 1 || len(e.l2.Messages()) != 0 {
		t.Fatalf("after enqueue: %d delivered, l1 %d, l2 %d", n, len(e.l1.Messages()), len(e.l2.Messages()))
	}
	e.sched.Tick(ctx, start.Add(10*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 0 {
		t.Fatal("step 2 sent before its wait")
	}
	e.sched.Tick(ctx, start.Add(16*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 1 {
		t.Fatalf("step 2 not sent after 16m: l2 has %d", len(e.l2.Messages()))
	}
	for _, d := range []time.Duration{17 * time.Minute, 50 * time.Minute, 5 * time.Hour} {
		e.sched.Tick(ctx, start.Add(d))
	}
	if e.settle(t); len(e.l1.Messages()) != 1 || len(e.l2.Messages()) != 1 {
		t.Fatalf("a policy without repeat sent more: l1 %d, l2 %d", len(e.l1.Messages()), len(e.l2.Messages()))
	}
}

func TestAcknowledgeStops(t *testing.T) {
	e := newEnv(t)
	e.policy(t, twoSteps())
	ctx := context.Background()
	start := time.Now()
	e.outbox.Enqueue(ctx, firing("a1"))
	e.settle(t)
	if err := e.outbox.Acknowledge(ctx, "acme", "alert:a1"); err != nil {
		t.Fatal(err)
	}
	e.sched.Tick(ctx, start.Add(time.Hour))
	if e.settle(t); len(e.l2.Messages()) != 0 {
		t.Fatal("an acknowledged alert escalated")
	}
	// A resolved follow-up goes to those told (l1), not to the next step.
	r := firing("a1-resolved")
	r.Ref, r.Message.Status = "alert:a1", notify.StatusResolved
	e.outbox.Enqueue(ctx, r)
	if e.settle(t); len(e.l1.Messages()) != 2 || len(e.l2.Messages()) != 0 {
		t.Fatalf("resolved: l1 %d, l2 %d; want 2, 0", len(e.l1.Messages()), len(e.l2.Messages()))
	}
}

// TestRepeat: with repeat 1 the steps run twice, each notice a new key.
func TestRepeat(t *testing.T) {
	e := newEnv(t)
	p := twoSteps()
	p.Repeat = 1
	e.policy(t, p)
	ctx := context.Background()
	at := time.Now()
	e.outbox.Enqueue(ctx, firing("a1"))
	e.settle(t)
	for range 6 {
		at = at.Add(31 * time.Minute)
		e.sched.Tick(ctx, at)
		e.settle(t)
	}
	if len(e.l1.Messages()) != 2 || len(e.l2.Messages()) != 2 {
		t.Fatalf("repeat 1: l1 %d, l2 %d; want 2, 2", len(e.l1.Messages()), len(e.l2.Messages()))
	}
}

// TestSurvivesRestart: the next step's time is in the database; a new
// scheduler on the reopened file sends it.
func TestSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.policy(t, twoSteps())
	ctx := context.Background()
	start := time.Now()
	e.outbox.Enqueue(ctx, firing("a1"))
	e.settle(t)
	e.close()
	e.open(t)
	e.sched.Tick(ctx, start.Add(20*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 1 || len(e.l1.Messages()) != 1 {
		t.Fatalf("after restart: l1 %d, l2 %d; want 1, 1", len(e.l1.Messages()), len(e.l2.Messages()))
	}
}

// TestBusinessHours: policies and steps chosen by the service's calendar
// (Mon-Fri 09:00-18:00 Asia/Tokyo).
func TestBusinessHours(t *testing.T) {
	e := newEnv(t)
	e.policy(t, &Policy{Name: "day", Default: true, When: BusinessHours, Steps: []Step{{Targets: []string{"l1"}}}})
	e.policy(t, &Policy{Name: "night", Default: true, When: OutOfHours, Steps: []Step{
		{Targets: []string{"l1"}, When: BusinessHours},
		{Targets: []string{"l2"}, Wait: model.Duration(10 * time.Minute)},
		{Targets: []string{"l1"}, When: BusinessHours},
	}})
	ctx := context.Background()
	tue10 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	tue22 := tue10.Add(12 * time.Hour)
	f := func(at time.Time, service int64, want string) {
		t.Helper()
		got, err := e.sched.FirstTargets(ctx, "acme", service, at)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("FirstTargets(%v, %d) = %v %v, want %s", at, service, got, err, want)
		}
	}
	f(tue10, e.checkout.ID, "l1")
	f(tue22, e.checkout.ID, "l2") // night policy, its business-hours step skipped
	f(tue22, 0, "l1")             // no service: always business hours
	f(tue22.Add(24*time.Hour*4), e.checkout.ID, "l2")

	targets, step, err := e.sched.Start(ctx, "acme", "alert:x", 999, e.checkout.ID, tue22)
	if err != nil || strings.Join(targets, ",") != "l2" || step != "" {
		t.Fatalf("Start at night = %v %q %v", targets, step, err)
	}
	again, _, _ := e.sched.Start(ctx, "acme", "alert:x", 999, e.checkout.ID, tue10)
	if strings.Join(again, ",") != "l2" {
		t.Fatalf("a repeated Start answered %v: not idempotent", again)
	}
	var dispatched []string
	e.sched.SetDispatch(func(_ context.Context, _ string, _ int64, step string, targets []string) error {
		dispatched = append(dispatched, step+"="+strings.Join(targets, ","))
		return nil
	})
	// The last step applies only in business hours: at night, the run ends.
	e.sched.Tick(ctx, tue22.Add(11*time.Minute))
	if len(dispatched) != 0 {
		t.Fatalf("dispatched %v at night, want nothing", dispatched)
	}
	var state string
	e.store.db.QueryRow(`SELECT state FROM escalation_runs WHERE message_id=999`).Scan(&state)
	if state != runDone {
		t.Fatalf("run state = %q, want done", state)
	}
}

// TestTenantsDoNotMix: acme's default policy never escalates beta.
func TestTenantsDoNotMix(t *testing.T) {
	e := newEnv(t)
	e.policy(t, twoSteps())
	got, err := e.sched.FirstTargets(context.Background(), "beta", 0, time.Now())
	if err != nil || len(got) != 0 {
		t.Fatalf("beta's first targets = %v %v", got, err)
	}
	n := firing("b1")
	n.Tenant = "beta"
	e.outbox.Enqueue(context.Background(), n)
	e.settle(t)
	if len(e.l1.Messages()) != 0 {
		t.Fatal("beta's notification went to acme's channel")
	}
	// beta acknowledging a ref of the same name stops nothing of acme's.
	ctx := context.Background()
	start := time.Now()
	e.outbox.Enqueue(ctx, firing("a1"))
	e.settle(t)
	if err := e.outbox.Acknowledge(ctx, "beta", "alert:a1"); err != nil {
		t.Fatal(err)
	}
	e.sched.Tick(ctx, start.Add(16*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 1 {
		t.Fatalf("acme's escalation after beta's acknowledgement: l2 has %d, want 1", len(e.l2.Messages()))
	}
}

// TestShard: a replica that does not hold acme's escalation lease sends
// none of its steps; the one that holds it does, once.
func TestShard(t *testing.T) {
	e := newEnv(t)
	e.policy(t, twoSteps())
	ctx := context.Background()
	start := time.Now()
	e.outbox.Enqueue(ctx, firing("a1"))
	e.settle(t)
	e.sched.SetShard(func(tenant string) bool { return tenant != "acme" })
	e.sched.Tick(ctx, start.Add(16*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 0 {
		t.Fatal("a replica without acme's lease sent its step 2")
	}
	e.sched.SetShard(func(tenant string) bool { return tenant == "acme" })
	e.sched.Tick(ctx, start.Add(16*time.Minute))
	e.sched.Tick(ctx, start.Add(17*time.Minute))
	if e.settle(t); len(e.l2.Messages()) != 1 {
		t.Fatalf("the owner sent step 2 %d times, want 1", len(e.l2.Messages()))
	}
}
