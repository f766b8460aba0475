package alert

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestFiringCountsAreTheFiringList: a customer's board
// (FiringBySeverity) and the MSP's (FiringBySeverityOf) count a tenant's
// firing alerts by severity as its list of firing alerts has them,
// acknowledged and silenced ones included (they still fire), resolved
// ones and the other tenant's left out.
func TestFiringCountsAreTheFiringList(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	signal := func(tenant, name string, sev Severity, status State) *Alert {
		t.Helper()
		if _, err := w.engine.Intake(ctx, tenant, []Signal{{Source: SourceGeneric, Fingerprint: name, Status: status, Severity: sev, Name: name}}); err != nil {
			t.Fatal(err)
		}
		list, err := w.engine.List(ctx, tenant, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			if a.Title.En == name && a.State == status {
				return a
			}
		}
		t.Fatalf("%s's alert %s is not %s", tenant, name, status)
		return nil
	}
	signal("acme", "Down", SeverityCritical, StateFiring)
	acked := signal("acme", "Slow", SeverityCritical, StateFiring)
	silenced := signal("acme", "Disk", SeverityWarning, StateFiring)
	signal("acme", "Gone", SeverityWarning, StateFiring)
	signal("acme", "Gone", SeverityWarning, StateResolved)
	signal("acme", "Was", SeverityInfo, StateFiring)
	signal("acme", "Was", SeverityInfo, StateResolved)
	signal("beta", "Note", SeverityInfo, StateFiring)
	signal("beta", "Load", SeverityWarning, StateFiring)
	if _, err := w.engine.Acknowledge(ctx, "acme", acked.ID, "user:hanako"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Silence(ctx, "acme", silenced.ID, w.clock().Add(time.Hour), "user:hanako"); err != nil {
		t.Fatal(err)
	}

	store := w.engine.Store()
	listed := func(tenant string) map[string]int {
		t.Helper()
		list, err := store.List(ctx, tenant, Filter{States: []State{StateFiring}, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, a := range list {
			m[string(a.Severity)]++
		}
		return m
	}
	every, err := store.FiringBySeverityOf(ctx, []string{"acme", "beta", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"acme", "beta", "nobody"} {
		want := listed(tenant)
		one, err := store.FiringBySeverity(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, want) {
			t.Errorf("%s: FiringBySeverity = %v, the list of firing alerts gives %v", tenant, one, want)
		}
		if !reflect.DeepEqual(every[tenant], want) {
			t.Errorf("%s: FiringBySeverityOf = %v, the list of firing alerts gives %v", tenant, every[tenant], want)
		}
	}
	if want := map[string]int{"critical": 2, "warning": 1}; !reflect.DeepEqual(every["acme"], want) {
		t.Errorf("acme counts %v, want %v (the acknowledged and the silenced fire, the resolved do not)", every["acme"], want)
	}
	if want := map[string]int{"info": 1, "warning": 1}; !reflect.DeepEqual(every["beta"], want) {
		t.Errorf("beta counts %v, want %v", every["beta"], want)
	}
	if every["nobody"] == nil || len(every["nobody"]) != 0 {
		t.Errorf("a tenant with nothing firing counts %v, want an empty map", every["nobody"])
	}
}
