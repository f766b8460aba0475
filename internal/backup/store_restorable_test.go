package backup

import (
	"context"
	"testing"
	"time"
)

// TestSetRestorable: the poller's span is stored for the policy of its
// tenant only, read back with the policy, written (and the watch told)
// only when it changes, and forgotten when the policy's source changes,
// as it describes the old source's vaults.
func TestSetRestorable(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	created := fx.createPolicy(t, "acme", "vm", "4h")
	p := &created
	p.Source = &Source{Kind: SourceMetric, Selector: "bacula_last_success_timestamp_seconds"}
	if err := fx.store.UpdatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	notified := 0
	fx.store.OnChange(func(string, int64) { notified++ })
	now := time.Now().UTC().Truncate(time.Millisecond)
	span := &Restorable{Oldest: now.Add(-72 * time.Hour), Newest: now.Add(-time.Hour)}
	if err := fx.store.SetRestorable(ctx, "beta", p.ID, span); err != nil {
		t.Fatal(err)
	}
	read := func() *Restorable {
		t.Helper()
		got, err := fx.store.Policy(ctx, "acme", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Restorable
	}
	if r := read(); r != nil || notified != 0 {
		t.Fatalf("another tenant's span reached acme's policy: %+v (%d changes)", r, notified)
	}
	for range 2 {
		if err := fx.store.SetRestorable(ctx, "acme", p.ID, span); err != nil {
			t.Fatal(err)
		}
	}
	if r := read(); r == nil || !r.Oldest.Equal(span.Oldest) || !r.Newest.Equal(span.Newest) || notified != 1 {
		t.Fatalf("span %+v after %d changes, want %+v once", r, notified, span)
	}
	got, _ := fx.store.Policy(ctx, "acme", p.ID)
	got.Runbook = "same source, new runbook"
	if err := fx.store.UpdatePolicy(ctx, got); err != nil {
		t.Fatal(err)
	}
	if r := read(); r == nil || got.Restorable == nil {
		t.Fatalf("an edit keeping the source forgot the span: %+v / %+v", r, got.Restorable)
	}
	got.Source = &Source{Kind: SourceMetric, Selector: "other_last_success_timestamp_seconds"}
	if err := fx.store.UpdatePolicy(ctx, got); err != nil {
		t.Fatal(err)
	}
	if r := read(); r != nil || got.Restorable != nil {
		t.Errorf("a new source kept the old vaults' span: %+v / %+v", r, got.Restorable)
	}
}
