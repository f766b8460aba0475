package incident

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/sla"
)

// TestReopenWithinTheWindow: a resolved incident goes back to In Progress
// within ReopenWindow, its resolve clock counting the resolved time as paused
// and running on; after the window it is refused naming the window.
func TestReopenWithinTheWindow(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "acme", "web", calendar.Calendar{}, time.Hour, 2*time.Hour, 4*time.Hour)
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	open := func() int64 {
		fx.clock.set(t0)
		inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("web down")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.s.Acknowledge(ctx, "acme", inc.ID, "user:sato"); err != nil {
			t.Fatal(err)
		}
		fx.clock.set(t0.Add(time.Hour))
		if _, err := fx.s.Transition(ctx, "acme", inc.ID, "user:sato", StateChange{State: StateResolved, CloseCode: "Solution provided", CloseNotes: "restarted"}); err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	id := open()
	fx.clock.set(t0.Add(3 * time.Hour))
	got, err := fx.s.Transition(ctx, "acme", id, "user:suzuki", StateChange{State: StateInProgress})
	if err != nil {
		t.Fatalf("reopening 2h after the resolution: %v", err)
	}
	if got.State != StateInProgress || got.ResolvedAt != nil || got.CloseCode != "" {
		t.Errorf("reopened: state %s, resolved_at %v, close code %q; want in_progress without the resolution", got.State, got.ResolvedAt, got.CloseCode)
	}
	fx.clock.set(t0.Add(4 * time.Hour))
	got, _ = fx.s.Incident(ctx, "acme", id)
	if c := clockOf(t, got, ClockResolve); c.Elapsed.Std() != 2*time.Hour || c.State != sla.StateRunning {
		t.Errorf("resolve clock 1h after reopening = %v %s, want 2h running (1h before the resolution, 1h since; the 2h resolved paused)", c.Elapsed.Std(), c.State)
	}
	if c := clockOf(t, got, ClockAcknowledge); c.Elapsed.Std() != 0 || c.State != sla.StateMet {
		t.Errorf("acknowledge clock = %v %s, want the acknowledgement kept: 0s met", c.Elapsed.Std(), c.State)
	}
	tl, _ := fx.s.Timeline(ctx, "acme", id, true)
	if !containsEntry(tl, "resolved → in_progress (reopened)") {
		t.Errorf("timeline has no reopening: %+v", tl)
	}
	// The incident may be resolved again, and its clock stops for good then.
	if _, err := fx.s.Transition(ctx, "acme", id, "user:suzuki", StateChange{State: StateResolved, CloseCode: "Solution provided", CloseNotes: "patched"}); err != nil {
		t.Fatalf("resolving the reopened incident: %v", err)
	}

	late := open()
	fx.clock.set(t0.Add(time.Hour + ReopenWindow + time.Minute))
	_, err = fx.s.Transition(ctx, "acme", late, "user:suzuki", StateChange{State: StateInProgress})
	if e, ok := invalid.As(err); !ok || e.Field != "state" {
		t.Errorf("reopening a week and a minute after the resolution: %v, want a refusal of state", err)
	}
	if after, _ := fx.s.Incident(ctx, "acme", late); after.State != StateResolved {
		t.Errorf("the refused reopening left state %s", after.State)
	}
}

func containsEntry(tl []Entry, body string) bool {
	for _, e := range tl {
		if e.Body == body {
			return true
		}
	}
	return false
}

// TestLinkAlertByHand: an operator links an alert to an incident; the
// incident lists it and the alert names its incident; a second link of
// the same alert, or a link across tenants, is refused.
func TestLinkAlertByHand(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	a, _ := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("web slow")})
	b, _ := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("db slow")})
	ev := AlertEvent{AlertID: "42", Fingerprint: "fp", Severity: "critical", Title: "CPU高負荷", Status: "firing", At: fx.clock.now()}
	got, err := fx.s.LinkAlert(ctx, "acme", a.ID, "user:sato", ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Alerts) != 1 || got.Alerts[0].AlertID != "42" || got.Alerts[0].Title != "CPU高負荷" {
		t.Errorf("incident's alerts = %+v, want alert 42", got.Alerts)
	}
	back, err := fx.s.AlertIncident(ctx, "acme", "42")
	if err != nil || back == nil || back.ID != a.ID {
		t.Errorf("AlertIncident(42) = %v, %v; want %s", back, err, a.Number)
	}
	_, err = fx.s.LinkAlert(ctx, "acme", b.ID, "user:sato", ev)
	if e, ok := invalid.As(err); !ok || e.Field != "alert_id" {
		t.Errorf("linking alert 42 again: %v, want a refusal of alert_id", err)
	}
	if back, _ := fx.s.AlertIncident(ctx, "beta", "42"); back != nil {
		t.Errorf("beta sees acme's alert link: %v", back.Number)
	}
	if _, err := fx.s.LinkAlert(ctx, "beta", a.ID, "user:x", AlertEvent{AlertID: "7", Status: "firing", At: fx.clock.now()}); err == nil {
		t.Error("beta linked an alert to acme's incident")
	}
}
