package capacity

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// TestAdaptersForTheReportAndTheYearlyPlan: what the monthly report's
// 運行実績 and the yearly plan read of a day the scheduler ran: the planned
// and actual count timelines, the event with its count, the steps with
// their times, the upcoming event, and the counts and events by group.
func TestAdaptersForTheReportAndTheYearlyPlan(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	g := fx.group(t, "acme", "web", f)
	start := fx.clock.now() // Monday 06:00 Tokyo
	doc := flat(2,
		Event{Name: "sale", Start: start.Add(4 * time.Hour), End: start.Add(6 * time.Hour), Multiplier: 3, Lead: model.Duration(time.Hour)},
		Event{Name: "next week", Start: start.Add(8 * 24 * time.Hour), End: start.Add(8*24*time.Hour + time.Hour), Count: 5})
	fx.agreed(t, "acme", g, doc, "")
	sc := fx.scheduler()
	for range 48 {
		tick(t, sc)
		fx.clock.add(30 * time.Minute)
	}
	ctx := context.Background()
	ops, err := ReportOperations{Store: fx.store}.Operations(ctx, "acme", start, start.Add(24*time.Hour), start.Add(10*24*time.Hour))
	if err != nil || len(ops) != 1 {
		t.Fatalf("operations: %+v %v", ops, err)
	}
	op := ops[0]
	if op.Group != "web" || op.Size != "Standard_D2s_v5" || op.HourlyPrice != 0.5 {
		t.Errorf("group: %+v", op)
	}
	if len(op.Events) != 1 || op.Events[0].Name != "sale" || op.Events[0].Count != 6 {
		t.Errorf("events: %+v", op.Events)
	}
	if len(op.Planned) != 3 || op.Planned[1].Count != 6 || !op.Planned[1].At.Equal(start.Add(3*time.Hour)) || len(op.Actual) != 3 || op.Actual[1].Count != 6 {
		t.Errorf("planned %+v, actual %+v", op.Planned, op.Actual)
	}
	if len(op.Steps) != 3 || op.Steps[1].Event != "sale" || op.Steps[1].Applied == nil || op.Steps[1].ReachedCount != 6 || op.Steps[0].Event != "" {
		t.Errorf("steps: %+v", op.Steps)
	}
	if len(op.Upcoming) != 1 || op.Upcoming[0].Name != "next week" || op.Upcoming[0].Count != 5 {
		t.Errorf("upcoming: %+v", op.Upcoming)
	}

	y := YearplanSource{Store: fx.store}
	groups, err := y.Groups(ctx, "acme")
	if err != nil || len(groups) != 1 || groups[0].Count != 2 || groups[0].HourlyPrice != 0.5 || groups[0].Max != 20 {
		t.Errorf("yearplan groups: %+v %v", groups, err)
	}
	counts, err := y.Counts(ctx, "acme", g.ID, start, start.Add(24*time.Hour))
	if err != nil || len(counts) != 3 || counts[1].Count != 6 || counts[2].Count != 2 {
		t.Errorf("yearplan counts: %+v %v", counts, err)
	}
	events, err := y.Events(ctx, "acme", g.ID, start, start.Add(30*24*time.Hour))
	if err != nil || len(events) != 2 || events[0].Multiplier != 3 || events[1].Count != 5 {
		t.Errorf("yearplan events: %+v %v", events, err)
	}
}
