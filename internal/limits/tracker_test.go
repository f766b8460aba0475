package limits_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// TestTrackerHoldsMaxSeries: with no TSDB head to count them, the tracker
// admits a tenant's series up to its max_series, refuses the next new one
// with the head's error while the known ones go on, frees the places of
// series idle past the idle time, keeps tenants apart, and forgets a
// deleted tenant.
func TestTrackerHoldsMaxSeries(t *testing.T) {
	e := limits.New(limits.Limits{MaxSeries: 3}, nil, nil)
	e.Enforce()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tr := limits.NewTracker(e, 10*time.Minute)
	tr.SetClock(func() time.Time { return now })
	series := func(tenant string, i int) labels.Labels {
		return labels.FromStrings("__name__", fmt.Sprint("m_", i), metricstore.TenantLabel, tenant)
	}
	for i := range 3 {
		if err := tr.Admit(series("acme", i)); err != nil {
			t.Fatalf("series %d of 3: %v", i, err)
		}
	}
	var le *limits.Error
	if err := tr.Admit(series("acme", 3)); !errors.As(err, &le) || le.Limit != limits.NameMaxSeries {
		t.Fatalf("a 4th series over max_series 3 = %v; want the max_series error", err)
	}
	if err := tr.Admit(series("acme", 0)); err != nil {
		t.Errorf("a known series at the limit was refused: %v", err)
	}
	if err := tr.Admit(series("other", 0)); err != nil {
		t.Errorf("another tenant's series was refused for acme's count: %v", err)
	}
	if n := e.ActiveSeries("acme"); n != 3 {
		t.Errorf("acme's active series = %d; want 3 (the refused one is not counted)", n)
	}

	// m_0 (and other's) written again 6 minutes on; 11 minutes on, m_1 and
	// m_2 are idle.
	now = now.Add(6 * time.Minute)
	tr.Admit(series("acme", 0))
	tr.Admit(series("other", 0))
	now = now.Add(5 * time.Minute)
	tr.Expire()
	if n := e.ActiveSeries("acme"); n != 1 {
		t.Fatalf("acme's active series after m_1 and m_2 went idle = %d; want 1", n)
	}
	for i := 3; i < 5; i++ {
		if err := tr.Admit(series("acme", i)); err != nil {
			t.Errorf("new series %d once idle ones left: %v", i, err)
		}
	}
	if err := tr.Admit(series("acme", 5)); err == nil {
		t.Error("a series over the limit was admitted after expiry")
	}

	tr.Forget("acme")
	if n := e.ActiveSeries("acme"); n != 0 {
		t.Errorf("a deleted tenant's active series = %d; want 0", n)
	}
	if n := e.ActiveSeries("other"); n != 1 {
		t.Errorf("other's active series = %d; want 1", n)
	}
	// An override takes effect on the next new series.
	one := 1
	if err := e.SetOverride(context.Background(), "other", limits.Override{MaxSeries: &one}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Admit(series("other", 1)); err == nil {
		t.Error("other's 2nd series was admitted over its override of 1")
	}
}
