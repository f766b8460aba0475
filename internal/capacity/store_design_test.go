package capacity

import (
	"context"
	"testing"
)

// Current is each group's newest version not superseded, of the tenant
// asked only; Retire supersedes them without deleting any, so the group
// has no plan to follow and its history stays.
func TestCurrentAndRetire(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	g := fx.group(t, "acme", "web", newFleet(t))
	other := fx.group(t, "beta", "web", newFleet(t))
	doc := Document{Baseline: Baseline{Default: 2}, Events: []Event{}}
	fx.agreed(t, "acme", g, doc, "")
	fx.agreed(t, "beta", other, doc, "")
	doc.Baseline.Default = 3
	if _, err := fx.store.CreateVersion(ctx, "acme", g.ID, doc, "more", "operator"); err != nil {
		t.Fatal(err)
	}
	cur, err := fx.store.Current(ctx, "acme")
	if err != nil || len(cur) != 1 || cur[g.ID].Version != 2 || cur[g.ID].Document.Baseline.Default != 3 {
		t.Fatalf("current %+v %v", cur, err)
	}
	if err := fx.store.Retire(ctx, "acme", g.ID); err != nil {
		t.Fatal(err)
	}
	versions, _ := fx.store.Versions(ctx, "acme", g.ID)
	for _, v := range versions {
		if v.State != StateSuperseded || v.SupersededAt == nil {
			t.Fatalf("version %d is %s after Retire", v.Version, v.State)
		}
	}
	if active, _ := fx.store.Active(ctx, "acme", g.ID); len(versions) != 2 || active != nil {
		t.Fatalf("versions %d, active %+v", len(versions), active)
	}
	if cur, _ := fx.store.Current(ctx, "acme"); len(cur) != 0 {
		t.Fatalf("a retired plan is current: %+v", cur)
	}
	if active, _ := fx.store.Active(ctx, "beta", other.ID); active == nil {
		t.Fatal("retiring acme's plan touched beta's")
	}
}

// SameSecret compares a sealed secret inside the server; KeepSecret lets
// an update built from fields alone keep it, renamed or not.
func TestSameSecretAndKeepSecret(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	g := &Group{TenantID: "acme", ServiceID: fx.svc["acme"], Name: "manual-web", Kind: KindManual, Max: 4}
	if err := fx.store.CreateGroup(ctx, g, []byte("kubeconfig-one")); err != nil {
		t.Fatal(err)
	}
	stored, _ := fx.store.Group(ctx, "acme", g.ID)
	if !fx.store.SameSecret(stored, []byte("kubeconfig-one")) || fx.store.SameSecret(stored, []byte("kubeconfig-two")) {
		t.Fatal("SameSecret does not tell the stored secret")
	}
	fresh := &Group{ID: g.ID, TenantID: "acme", ServiceID: fx.svc["acme"], Name: "manual-web-2", Kind: KindManual, Max: 5}
	fresh.KeepSecret(stored)
	if err := fx.store.UpdateGroup(ctx, fresh, stored.Name, nil); err != nil {
		t.Fatal(err)
	}
	renamed, _ := fx.store.Group(ctx, "acme", g.ID)
	if !renamed.HasSecret || !fx.store.SameSecret(renamed, []byte("kubeconfig-one")) || renamed.Max != 5 {
		t.Fatalf("the secret was lost by an update: %+v", renamed)
	}
}
