package incident

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// TestEveryTenantsOpenIsEachTenantsOpenList: the MSP's read of every
// tenant's open incidents gives, for each tenant, the list Incidents gives
// it (the newest limit open ones, inquiries, resolved and canceled left
// out) and the clocks Clocks gives each, running, paused and breached
// alike; a tenant with none open has no entry.
func TestEveryTenantsOpenIsEachTenantsOpenList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.CreateTenant(ctx, &model.Tenant{ID: "gamma", Name: "Gamma", Language: "en", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	allDay := calendar.Calendar{TimeZone: "UTC"}
	acmeSvc := f.service(t, "acme", "web", allDay, 30*time.Minute, 2*time.Hour, 8*time.Hour)
	betaSvc := f.service(t, "beta", "db", weekdays9to18("UTC"), time.Hour, 0, 4*time.Hour)
	open := func(tenant string, svc int64, title string) *Incident {
		t.Helper()
		fields := Fields{ShortDescription: ptr(title)}
		if svc != 0 {
			fields.ServiceID = &svc
		}
		inc, err := f.s.Open(ctx, tenant, "operator", fields)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.set(f.clock.now().Add(time.Minute))
		return inc
	}
	// acme: seven open (more than the limit), one on hold (paused), one
	// acknowledged, one resolved, one canceled, one inquiry; the first ones
	// breach their acknowledge target as the clock moves on.
	var acme []*Incident
	for i := range 7 {
		acme = append(acme, open("acme", acmeSvc, "acme "+string(rune('a'+i))))
	}
	if _, err := f.s.Transition(ctx, "acme", acme[5].ID, "user:sato", StateChange{State: StateOnHold, HoldReason: HoldAwaitingCaller}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Acknowledge(ctx, "acme", acme[6].ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	gone := open("acme", acmeSvc, "acme resolved")
	if _, err := f.s.Transition(ctx, "acme", gone.ID, "user:sato", StateChange{State: StateResolved, CloseCode: "solved", CloseNotes: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.OpenRequest(ctx, "acme", "user:tanaka", RequestInput{Kind: KindInquiry, Fields: Fields{ShortDescription: ptr("請求書")}}); err != nil {
		t.Fatal(err)
	}
	// beta: one with a business-hours service, one with no service (no clocks).
	open("beta", betaSvc, "beta db")
	open("beta", 0, "beta no service")
	f.clock.set(f.clock.now().Add(40 * time.Minute))

	const limit = 5
	now := f.clock.now()
	every, err := f.s.EveryTenantsOpen(ctx, limit, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"acme", "beta", "gamma"} {
		want, err := f.s.Incidents(ctx, tenant, Filter{Open: true, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range want {
			if inc.Clocks, err = f.s.Clocks(ctx, inc, now); err != nil {
				t.Fatal(err)
			}
			inc.ResourceIDs = []int64{} // not read by EveryTenantsOpen
		}
		got := every[tenant]
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: every tenant's read gives\n%+v\nits own gives\n%+v", tenant, got, want)
		}
	}
	if _, ok := every["gamma"]; ok {
		t.Errorf("gamma has nothing open, yet an entry: %+v", every["gamma"])
	}
	if len(every["acme"]) != limit || len(every["beta"]) != 2 {
		t.Fatalf("acme has %d, beta %d open incidents read, want %d and 2", len(every["acme"]), len(every["beta"]), limit)
	}
	// The states the board shows: newest first, acme[6] acknowledged (its
	// acknowledge clock met), acme[5] paused, acme[2] breached.
	states := map[int64]sla.State{}
	for _, inc := range every["acme"] {
		states[inc.ID] = clockOf(t, inc, ClockAcknowledge).State
	}
	if every["acme"][0].ID != acme[6].ID || states[acme[6].ID] != sla.StateMet || states[acme[5].ID] != sla.StatePaused || states[acme[2].ID] != sla.StateBreached {
		t.Errorf("acme's acknowledge clocks %v (newest %d), want acme[6] met and newest, acme[5] paused, acme[2] breached", states, every["acme"][0].ID)
	}
	if len(every["beta"][0].Clocks) != 0 || len(every["beta"][1].Clocks) != 2 {
		t.Errorf("beta's clocks: %+v and %+v, want none for the incident with no service, 2 for the other", every["beta"][0].Clocks, every["beta"][1].Clocks)
	}
}
