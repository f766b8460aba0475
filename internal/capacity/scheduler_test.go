package capacity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/model"
)

// flat is a plan of count all the time, with events.
func flat(count int, events ...Event) Document {
	return Document{Baseline: Baseline{Default: count}, Events: events}
}

func (fx *fixture) steps(t *testing.T, g *Group) []*Step {
	t.Helper()
	list, err := fx.store.Steps(context.Background(), "acme", g.ID, time.Time{}, fx.clock.now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func tick(t *testing.T, sc *Scheduler) {
	t.Helper()
	if err := sc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestAgreedPlanScalesOutAndBackOnce: a plan that is only proposed never
// applies; once agreed and active the group goes to the baseline, to the
// event's count at start − lead, back after end + cool-down; each step is
// applied once however often the scheduler ticks or restarts, and is
// recorded with its planned, applied and reached times.
func TestAgreedPlanScalesOutAndBackOnce(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	g := fx.group(t, "acme", "web", f)
	now := fx.clock.now()
	sale := Event{Name: "sale", Start: now.Add(2 * time.Hour), End: now.Add(3 * time.Hour), Count: 8,
		Lead: model.Duration(30 * time.Minute), CoolDown: model.Duration(15 * time.Minute)}
	sc := fx.scheduler()

	// Proposed, not agreed: nothing applies.
	base := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", g.ID)
	fx.must(t, 201, "POST", base, ":read,write", map[string]any{"document": flat(3, sale)}, nil)
	fx.must(t, 200, "POST", base+"/1/propose", ":read,write", nil, nil)
	tick(t, sc)
	if len(f.applies()) != 0 || len(fx.steps(t, g)) != 0 {
		t.Fatalf("a proposed plan applied: %v", f.applies())
	}
	fx.must(t, 200, "POST", base+"/1/approve", "acme:requester", nil, nil)
	fx.must(t, 200, "POST", base+"/1/activate", ":read,write", nil, nil)

	tick(t, sc)
	tick(t, sc)
	fx.clock.add(time.Hour + 29*time.Minute) // a minute before the lead
	tick(t, sc)
	fx.clock.add(time.Minute)
	tick(t, sc)
	tick(t, fx.scheduler()) // a restart: the step is claimed already
	fx.clock.add(75 * time.Minute)
	tick(t, sc)
	fx.clock.add(30 * time.Minute) // end + cool-down
	tick(t, sc)
	tick(t, fx.scheduler())
	if got := f.applies(); !slices.Equal(got, []string{"3", "8", "3"}) {
		t.Fatalf("applies: %v, want 3, 8, 3", got)
	}
	steps := fx.steps(t, g)
	if len(steps) != 3 {
		t.Fatalf("steps: %+v", steps)
	}
	want := []struct {
		at     time.Time
		count  int
		winner string
	}{{now, 3, "baseline"}, {now.Add(90 * time.Minute), 8, "sale"}, {now.Add(3*time.Hour + 15*time.Minute), 3, "baseline"}}
	for i, st := range steps {
		w := want[i]
		if !st.PlannedAt.Equal(w.at) || st.Count != w.count || st.Winner != w.winner || st.State != StepVerified ||
			st.AppliedAt == nil || !st.AppliedAt.Equal(w.at) || st.ReachedCount == nil || *st.ReachedCount != w.count || st.ReachedAt == nil || st.Late() {
			t.Errorf("step %d: %+v, want %d at %s by %s, verified on time", i, st, w.count, w.at, w.winner)
		}
	}
}

// TestRestartCatchesUpWithTheCountDueNow: a server down over many steps
// applies, when it comes back, only the count due now (late, once), not
// the history it missed.
func TestRestartCatchesUpWithTheCountDueNow(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	g := fx.group(t, "acme", "web", f)
	fx.agreed(t, "acme", g, shop(), "") // Monday 06:00 Tokyo: nights → 2, which the group runs
	tick(t, fx.scheduler())
	fx.clock.add(3*24*time.Hour + 6*time.Hour) // Thursday 12:00: six changes missed
	tick(t, fx.scheduler())
	if got := f.applies(); !slices.Equal(got, []string{"6"}) {
		t.Fatalf("applies: %v, want only the 6 due now", got)
	}
	steps := fx.steps(t, g)
	if len(steps) != 2 || steps[0].Count != 2 || steps[0].State != StepVerified {
		t.Fatalf("steps: %+v, want the 2 (already running, verified) and the catch-up", steps)
	}
	last := steps[len(steps)-1]
	if !last.PlannedAt.Equal(time.Date(2026, 12, 10, 8, 0, 0, 0, tokyo)) || !last.Late() {
		t.Errorf("the catch-up step: %+v, want planned Thursday 08:00, late", last)
	}
}

// TestKillBetweenApplyAndVerify: a step applied and not yet verified when
// the server dies is not applied again by the next one, which resumes the
// verification.
func TestKillBetweenApplyAndVerify(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	f.set(t, "lag", true)
	g := fx.group(t, "acme", "web", f)
	fx.agreed(t, "acme", g, flat(5), "")
	tick(t, fx.scheduler())
	if st := fx.steps(t, g); len(st) != 1 || st[0].State != StepApplied {
		t.Fatalf("before the kill: %+v", st)
	}
	fx.open(t) // the database opened again, a new scheduler: the state on disk is all there is
	sc := fx.scheduler()
	fx.clock.add(time.Minute)
	tick(t, sc)
	f.set(t, "ready", true)
	fx.clock.add(time.Minute)
	tick(t, sc)
	if got := f.applies(); !slices.Equal(got, []string{"5"}) {
		t.Errorf("applies: %v, want one", got)
	}
	if st := fx.steps(t, g); len(st) != 1 || st[0].State != StepVerified || !st[0].ReachedAt.Equal(fx.clock.now()) {
		t.Errorf("after the restart: %+v", st[0])
	}
}

// TestRefusedStepRetriesThenAlertsOnce: the actuator refusing is tried
// again by the policy (3 attempts, 1 min then 2 min apart), then the step
// fails and one alert fires, which later ticks and a restart do not
// repeat as new; a later step that verifies resolves it. A step that does
// not reach its count by its deadline is unverified and fires too; the
// group deleted, its alert resolves.
func TestRefusedStepRetriesThenAlertsOnce(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	f.set(t, "fail", true)
	g := fx.group(t, "acme", "web", f)
	fx.agreed(t, "acme", g, flat(4), "")
	sc := fx.scheduler()
	for _, d := range []time.Duration{0, 30 * time.Second, 30 * time.Second, 2 * time.Minute, time.Minute} {
		fx.clock.add(d)
		tick(t, sc)
	}
	st := fx.steps(t, g)
	if len(st) != 1 || st[0].State != StepFailed || st[0].Attempts != 3 || st[0].Error == "" {
		t.Fatalf("refused step: %+v", st)
	}
	if got := fx.intake.statuses(); !slices.Equal(got, []alert.State{alert.StateFiring}) {
		t.Fatalf("signals: %v, want one firing", got)
	}
	sig := fx.intake.signals[0]
	if sig.Source != alert.SourceCapacity || sig.Labels["capacity_group"] != "web" || sig.Fingerprint != fmt.Sprintf("group/%d", g.ID) {
		t.Errorf("signal: %+v", sig)
	}
	// It says why in each language, the platform's error as it wrote it.
	if !strings.Contains(sig.Summaries.Ja, "4 台へのステップは拒否されました: "+st[0].Error) ||
		!strings.Contains(sig.Summaries.En, "the step to 4 instances planned at") || !strings.HasSuffix(sig.Summaries.En, "was refused: "+st[0].Error) {
		t.Errorf("the signal says %+v", sig.Summaries)
	}
	// The hold is a new step; it verifies and resolves the alert.
	f.set(t, "fail", false)
	fx.must(t, 201, "POST", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/hold", g.ID), ":read,write",
		map[string]any{"count": 6, "until": fx.clock.now().Add(2 * time.Hour), "reason": "keep 6 for the launch"}, nil)
	tick(t, sc)
	if got := fx.intake.statuses(); !slices.Equal(got, []alert.State{alert.StateFiring, alert.StateResolved}) {
		t.Fatalf("signals: %v, want firing then resolved", got)
	}
	if got := f.applies(); !slices.Equal(got, []string{"6"}) {
		t.Errorf("applies: %v", got)
	}
	// Released: the plan's 4 again, which never reaches its count.
	f.set(t, "lag", true)
	fx.clock.add(time.Minute)
	fx.must(t, 204, "DELETE", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/hold", g.ID), ":read,write", nil, nil)
	tick(t, sc)
	fx.clock.add(5*time.Minute + time.Second)
	tick(t, sc)
	st = fx.steps(t, g)
	if last := st[len(st)-1]; last.Count != 4 || last.State != StepUnverified || *last.ReachedCount != 6 {
		t.Errorf("the step that does not reach its count: %+v", last)
	}
	if got := fx.intake.statuses(); len(got) != 3 || got[2] != alert.StateFiring {
		t.Errorf("signals: %v", got)
	} else if sum := fx.intake.signals[2].Summaries; !strings.Contains(sum.Ja, "4 台へのステップは確認できませんでした") || !strings.Contains(sum.En, "did not verify") {
		t.Errorf("the unverified step's signal says %+v", sum)
	}
	// A deleted group's alert ends with it.
	fx.must(t, 204, "DELETE", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID), admin, nil, nil)
	tick(t, sc)
	tick(t, sc)
	if got := fx.intake.statuses(); len(got) != 4 || got[3] != alert.StateResolved {
		t.Errorf("signals after the delete: %v", got)
	}
}
