package incident

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

func TestPriorityMatrix(t *testing.T) {
	f := func(impact, urgency, want int, name string) {
		t.Helper()
		if got := Priority(impact, urgency); got != want || PriorityName(got) != name {
			t.Errorf("impact %d urgency %d: priority %d %s, want %d %s", impact, urgency, got, PriorityName(got), want, name)
		}
	}
	f(1, 1, 1, "Critical")
	f(1, 2, 2, "High")
	f(2, 1, 2, "High")
	f(1, 3, 3, "Moderate")
	f(2, 2, 3, "Moderate")
	f(3, 1, 3, "Moderate")
	f(2, 3, 4, "Low")
	f(3, 2, 4, "Low")
	f(3, 3, 5, "Planning")
}

func TestOpenNumbersPerTenantAndValidates(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	var numbers []string
	for _, tenant := range []string{"acme", "acme", "beta"} {
		inc, err := fx.s.Open(ctx, tenant, "user:sato", Fields{ShortDescription: ptr("x"), Impact: ptr(1), Urgency: ptr(2)})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, inc.Number)
		if inc.Priority != 2 || inc.PriorityName != "High" || inc.State != StateNew {
			t.Errorf("opened %+v", inc)
		}
	}
	if numbers[0] != "INC0001001" || numbers[1] != "INC0001002" || numbers[2] != "INC0001001" {
		t.Errorf("numbers %v, want INC0001001, INC0001002 and beta's own INC0001001", numbers)
	}
	betaSvc := fx.service(t, "beta", "b", calendar.Calendar{}, time.Hour, 0, 0)
	betaHost := fx.resource(t, "beta", "b-host")
	bad := func(f Fields, field string) {
		t.Helper()
		_, err := fx.s.Open(ctx, "acme", "user:sato", f)
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("open %+v: %v, want a refusal of %s", f, err, field)
		}
	}
	bad(Fields{}, "short_description")
	bad(Fields{ShortDescription: ptr("x"), Impact: ptr(4)}, "impact")
	bad(Fields{ShortDescription: ptr("x"), Urgency: ptr(0)}, "urgency")
	bad(Fields{ShortDescription: ptr("x"), ServiceID: &betaSvc}, "service_id")
	bad(Fields{ShortDescription: ptr("x"), ResourceIDs: []int64{betaHost}}, "resource_ids[0]")
	list, _ := fx.s.Incidents(ctx, "acme", Filter{})
	if len(list) != 2 {
		t.Errorf("acme has %d incidents after refusals, want 2", len(list))
	}
}

func TestTransitionsAreEnforced(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	open := func() int64 {
		inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("x")})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	resolve := StateChange{State: StateResolved, CloseCode: "Solution provided", CloseNotes: "restarted"}
	f := func(path []StateChange, last StateChange, field string) {
		t.Helper()
		id := open()
		for _, sc := range path {
			if _, err := fx.s.Transition(ctx, "acme", id, "user:sato", sc); err != nil {
				t.Fatalf("setting up %v: %v", sc, err)
			}
		}
		before, _ := fx.s.Incident(ctx, "acme", id)
		_, err := fx.s.Transition(ctx, "acme", id, "user:sato", last)
		if field == "" {
			if err != nil {
				t.Errorf("%v after %v: %v", last, path, err)
			}
			return
		}
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%v after %v: %v, want a refusal of %s", last, path, err, field)
		}
		after, _ := fx.s.Incident(ctx, "acme", id)
		if after.State != before.State || after.UpdatedAt != before.UpdatedAt {
			t.Errorf("a refused change changed the incident: %s -> %s", before.State, after.State)
		}
	}
	f(nil, StateChange{State: StateInProgress}, "")
	f(nil, StateChange{State: StateOnHold}, "hold_reason")
	f(nil, StateChange{State: StateOnHold, HoldReason: "awaiting_godot"}, "hold_reason")
	f(nil, StateChange{State: StateOnHold, HoldReason: HoldAwaitingVendor}, "")
	f(nil, StateChange{State: StateResolved}, "close_code")
	f(nil, StateChange{State: StateResolved, CloseCode: "Solution provided"}, "close_notes")
	f(nil, resolve, "")
	f(nil, StateChange{State: StateClosed}, "state")
	f(nil, StateChange{State: "done"}, "state")
	f(nil, StateChange{State: StateInProgress, CloseCode: "x"}, "close_code")
	f([]StateChange{resolve}, StateChange{State: StateClosed}, "")
	f([]StateChange{resolve}, StateChange{State: StateInProgress}, "") // reopened within the window (reopen_test.go)
	f([]StateChange{resolve}, StateChange{State: StateOnHold, HoldReason: HoldAwaitingVendor}, "state")
	f([]StateChange{resolve, {State: StateClosed}}, StateChange{State: StateCanceled}, "state")
	f([]StateChange{{State: StateCanceled}}, StateChange{State: StateInProgress}, "state")
	f([]StateChange{{State: StateOnHold, HoldReason: HoldAwaitingChange}}, StateChange{State: StateInProgress}, "")
	f([]StateChange{{State: StateOnHold, HoldReason: HoldAwaitingChange}}, resolve, "")
}

func TestAcknowledgeAndCauseAreRecordedOnce(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	inc, _ := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("x")})
	t0 := fx.clock.now()
	if _, err := fx.s.Acknowledge(ctx, "acme", inc.ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	fx.clock.set(t0.Add(time.Hour))
	got, err := fx.s.Acknowledge(ctx, "acme", inc.ID, "user:suzuki")
	if err != nil {
		t.Fatal(err)
	}
	if got.AcknowledgedBy != "user:sato" || !got.AcknowledgedAt.Equal(t0) {
		t.Errorf("acknowledged by %s at %v, want the first: user:sato at %v", got.AcknowledgedBy, got.AcknowledgedAt, t0)
	}
	got, _ = fx.s.RecordCause(ctx, "acme", inc.ID, "user:sato", Cause{Cause: "証明書期限切れ", Category: "certificate"})
	fx.clock.set(t0.Add(2 * time.Hour))
	got, _ = fx.s.RecordCause(ctx, "acme", inc.ID, "user:suzuki", Cause{Cause: "中間証明書の期限切れ", Category: "certificate"})
	if got.Cause != "中間証明書の期限切れ" || got.CauseBy != "user:sato" || !got.CauseAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("cause %q by %s at %v: the text is corrected, the first recording kept", got.Cause, got.CauseBy, got.CauseAt)
	}
	_, err = fx.s.RecordCause(ctx, "acme", inc.ID, "user:sato", Cause{Cause: "x"})
	if e, ok := invalid.As(err); !ok || e.Field != "category" {
		t.Errorf("cause without category: %v", err)
	}
	if _, err := fx.s.Acknowledge(ctx, "beta", inc.ID, "user:x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("beta acknowledging acme's incident: %v, want not found", err)
	}
}

func TestOnAlert(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	host := fx.resource(t, "acme", "web-01")
	other := fx.resource(t, "acme", "db-01")
	ev := func(id string, host int64, policy, status string) AlertEvent {
		return AlertEvent{Tenant: "acme", AlertID: id, Fingerprint: "fp-" + id, ResourceID: host, ResourceName: "web-01",
			ItemID: 0, Policy: policy, Severity: "critical", Title: "CPU > 90%", Status: status, At: fx.clock.now()}
	}
	count := func() int {
		list, err := fx.s.Incidents(ctx, "acme", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	must := func(e AlertEvent) {
		t.Helper()
		if err := fx.s.OnAlert(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	must(ev("a1", host, "new", "firing"))
	must(ev("a1", host, "new", "firing")) // replay
	if n := count(); n != 1 {
		t.Fatalf("a replayed alert: %d incidents, want 1", n)
	}
	must(ev("a2", host, "attach", "firing"))
	if n := count(); n != 1 {
		t.Errorf("attach to the open incident of the host: %d incidents, want 1", n)
	}
	must(ev("a3", host, "none", "firing"))
	must(ev("a4", other, "attach", "firing")) // no open incident of db-01: opens one
	if n := count(); n != 2 {
		t.Errorf("after none and attach on another host: %d incidents, want 2", n)
	}
	must(ev("a1", host, "new", "resolved"))
	must(ev("a1", host, "new", "resolved"))
	list, _ := fx.s.Incidents(ctx, "acme", Filter{})
	first, _ := fx.s.Incident(ctx, "acme", list[1].ID)
	if len(first.Alerts) != 2 || first.Alerts[0].AlertID != "a1" || first.Alerts[0].Status != "resolved" || first.Alerts[1].Status != "firing" {
		t.Errorf("alerts of the first incident: %+v", first.Alerts)
	}
	if len(list[1].ResourceIDs) != 1 || list[1].ResourceIDs[0] != host {
		t.Errorf("the list shows resources %v, want [%d]", list[1].ResourceIDs, host)
	}
	if first.Priority != 2 || first.ResourceIDs[0] != host || first.ShortDescription != "web-01: CPU > 90%" {
		t.Errorf("incident from a critical alert: %+v", first)
	}
	tl, _ := fx.s.Timeline(ctx, "acme", first.ID, true)
	alerts := 0
	for _, e := range tl {
		if e.Kind == EntryAlert {
			alerts++
		}
	}
	if alerts != 3 { // a1 firing, a2 firing, a1 resolved once
		t.Errorf("%d alert entries on the timeline, want 3", alerts)
	}
	if err := fx.s.OnAlert(ctx, AlertEvent{Tenant: "acme", AlertID: "x", Policy: "sometimes", Status: "firing"}); err == nil {
		t.Error("an unknown policy was accepted")
	}
	if err := fx.s.OnAlert(ctx, AlertEvent{Tenant: "beta", AlertID: "b1", ResourceID: host, Policy: "new", Status: "firing", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	b, _ := fx.s.Incidents(ctx, "beta", Filter{})
	if len(b) == 1 {
		b[0], _ = fx.s.Incident(ctx, "beta", b[0].ID)
	}
	if len(b) != 1 || len(b[0].ResourceIDs) != 0 {
		t.Errorf("beta's alert naming acme's host: %+v, want an incident without acme's resource", b)
	}
}

// TestAlertChangesAreAudited: what an alert does to incidents is in the
// audit log, as what people do through the API is.
func TestAlertChangesAreAudited(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	host := fx.resource(t, "acme", "web-01")
	e := AlertEvent{Tenant: "acme", AlertID: "a1", Fingerprint: "fp-a1", ResourceID: host, ResourceName: "web-01",
		Policy: "new", Severity: "critical", Title: "CPU > 90%", Status: "firing", At: fx.clock.now()}
	if err := fx.s.OnAlert(ctx, e); err != nil {
		t.Fatal(err)
	}
	e.AlertID, e.Fingerprint, e.Policy = "a2", "fp-a2", "attach"
	if err := fx.s.OnAlert(ctx, e); err != nil {
		t.Fatal(err)
	}
	log, err := fx.s.resources.AuditLog(ctx, "acme", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range log {
		if a.Actor == ActorAlert && a.ObjectType == "incident" {
			actions = append(actions, a.Action)
		}
	}
	if fmt.Sprint(actions) != "[work_note opened]" { // newest first
		t.Fatalf("audit of alert changes: %v, want the opening and the attached alert's note", actions)
	}
	if beta, _ := fx.s.resources.AuditLog(ctx, "beta", 10); len(beta) != 0 {
		t.Errorf("beta's audit log has acme's entries: %+v", beta)
	}
}
