package incident

import (
	"context"
	"testing"
	"time"
)

// TestMetricsExact opens three incidents in January on a 09:00-18:00 Tokyo
// calendar and one in February, and checks MTTA, MTTI and MTTR by hand.
func TestMetricsExact(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "acme", "web", weekdays9to18("Asia/Tokyo"), 30*time.Minute, 4*time.Hour, 8*time.Hour)
	at := func(d, h, m int) time.Time { return time.Date(2026, 1, d, h, m, 0, 0, tokyo) }
	run := func(opened time.Time, steps ...struct {
		at time.Time
		op string
	}) {
		fx.clock.set(opened)
		inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("x")})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range steps {
			fx.clock.set(st.at)
			if err := apply(ctx, fx.s, inc.ID, st.op); err != nil {
				t.Fatal(err)
			}
		}
	}
	type s = struct {
		at time.Time
		op string
	}
	// ack 10m, cause 1h, resolved 2h.
	run(at(5, 10, 0), s{at(5, 10, 10), "ack"}, s{at(5, 11, 0), "cause"}, s{at(5, 12, 0), "resolve"})
	// ack 50m (breached), cause 3h, resolved 6h with a 1h hold in between.
	run(at(6, 9, 0), s{at(6, 9, 50), "ack"}, s{at(6, 12, 0), "cause"}, s{at(6, 13, 0), "hold"}, s{at(6, 14, 0), "work"}, s{at(6, 16, 0), "resolve"})
	// acknowledged after 30m (breached: the target reached), still open.
	run(at(7, 9, 0), s{at(7, 9, 30), "ack"})
	// canceled: left out.
	run(at(8, 9, 0), s{at(8, 9, 5), "cancel"})
	// February: outside the period.
	run(time.Date(2026, 2, 2, 10, 0, 0, 0, tokyo), s{time.Date(2026, 2, 2, 10, 1, 0, 0, tokyo), "ack"})

	fx.clock.set(at(7, 10, 0))
	m, err := fx.s.Metrics(ctx, "acme", "", time.Date(2026, 1, 1, 0, 0, 0, 0, tokyo), time.Date(2026, 2, 1, 0, 0, 0, 0, tokyo))
	if err != nil {
		t.Fatal(err)
	}
	if m.Incidents != 3 {
		t.Errorf("incidents %d, want 3", m.Incidents)
	}
	check := func(name string, a Aggregate, mean time.Duration, stopped, open, met, breached int) {
		t.Helper()
		if a.Mean.Std() != mean || a.Stopped != stopped || a.Open != open || a.Met != met || a.Breached != breached {
			t.Errorf("%s: %+v, want mean %v stopped %d open %d met %d breached %d", name, a, mean, stopped, open, met, breached)
		}
	}
	check("MTTA", m.MTTA, 30*time.Minute, 3, 0, 1, 2) // (10 + 50 + 30) / 3
	check("MTTI", m.MTTI, 2*time.Hour, 2, 1, 2, 0)    // (1h + 3h) / 2; the third has run 1h
	check("MTTR", m.MTTR, 4*time.Hour, 2, 1, 2, 0)    // (2h + (4h + 2h after the hold)) / 2
	if m.MTTA.Compliance == nil || *m.MTTA.Compliance != 1.0/3 {
		t.Errorf("MTTA compliance %v, want 1/3", m.MTTA.Compliance)
	}
	if _, err := fx.s.Metrics(ctx, "acme", "", at(2, 0, 0), at(1, 0, 0)); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
	b, _ := fx.s.Metrics(ctx, "beta", KindIncident, time.Date(2026, 1, 1, 0, 0, 0, 0, tokyo), time.Date(2026, 2, 1, 0, 0, 0, 0, tokyo))
	if b.Incidents != 0 || b.MTTA.Clocks != 0 {
		t.Errorf("beta sees acme's incidents in its metrics: %+v", b)
	}
}
