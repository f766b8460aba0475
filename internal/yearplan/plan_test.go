package yearplan

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestPlanFigures: the plan of the fixture's group, figure by figure.
func TestPlanFigures(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.Generate(t.Context(), "acme", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Target != DefaultTarget || p.Language != "ja" || len(p.Groups) != 1 {
		t.Fatalf("plan: target %v, language %q, %d groups", p.Target, p.Language, len(p.Groups))
	}
	if want := time.Date(2027, 1, 1, 0, 0, 0, 0, jst); !p.YearFrom.Equal(want) || !p.YearTo.Equal(want.AddDate(1, 0, 0)) {
		t.Errorf("year %v – %v, want 2027", p.YearFrom, p.YearTo)
	}
	g := p.Groups[0]
	if g.Note != "" {
		t.Fatalf("note %q", g.Note)
	}
	// 70 days of hours less the 57 hours of the campaign, which the
	// baseline fit leaves out.
	if g.HistoryHours != 70*24-57 || !g.Seasonal {
		t.Errorf("history %d hours (want %d), seasonal %v", g.HistoryHours, 70*24-57, g.Seasonal)
	}
	if math.Abs(g.TrendMonth) > 1e-6 {
		t.Errorf("trend %g per month on a series without one", g.TrendMonth)
	}
	// Monday 10:00 is 1.0 instance's worth (two hosts at 50%), Sunday
	// 03:00 0.4, Saturday 12:00 0.9.
	for _, c := range []struct {
		how  int
		want float64
	}{{24 + 10, 1.0}, {3, 0.4}, {6*24 + 12, 0.9}} {
		if !near(g.Week[c.how], c.want) {
			t.Errorf("load at hour of week %d: %.4f, want %.2f", c.how, g.Week[c.how], c.want)
		}
	}
	if len(g.PastEvents) != 1 {
		t.Fatalf("past events %+v", g.PastEvents)
	}
	pe := g.PastEvents[0]
	if !near(pe.CPUP95, 88) || pe.Verdict != "under" || !near(pe.Uplift, uplift) || !near(pe.Count, 2) || !near(pe.Peak, 1.76) {
		t.Errorf("past event %+v, want CPU p95 88, under, uplift 1.76, count 2, peak 1.76", pe)
	}
	if len(g.Months) != 12 {
		t.Fatalf("%d months", len(g.Months))
	}
	// At 60%: weekdays ⌈1.0/0.6⌉ = 2, nights ⌈0.4/0.6⌉ = 1, weekends ⌈0.9/0.6⌉ = 2.
	for _, m := range g.Months {
		if m.Day != 2 || m.Night != 1 || m.Weekend != 2 || !near(m.Peak, 1.0) {
			t.Errorf("month %s: %+v, want day 2, night 1, weekend 2, peak 1.0", m.Month.Format("2006-01"), m)
		}
	}
	if len(g.Events) != 1 {
		t.Fatalf("events %+v", g.Events)
	}
	// The sale takes the campaign's uplift: 1.0 × 1.76 on Monday 01/04 → ⌈2.93⌉ = 3.
	if e := g.Events[0]; e.Name != "New Year sale" || !near(e.Multiplier, uplift) || !near(e.Peak, 1.76) || e.Count != 3 || e.Agreed {
		t.Errorf("event %+v, want ×1.76, peak 1.76, 3 instances", e)
	}
	if a := g.Accuracy; a == nil || a.HoldoutWeeks != 4 || a.MAPE > 1e-6 || a.RMSE > 1e-6 {
		t.Errorf("back-test %+v, want 4 weeks, no error", g.Accuracy)
	}
	// D2s_v5 at half the price serves the weekends with 3 instances for 2
	// D4s: 50 JPY saved in each of the 1,532 weekend hours of 2027 outside
	// the sale; every other hour costs the same.
	if s := g.Size; s.Recommended != "Standard_D2s_v5" || s.RecommendedVCPU != 2 || s.Difference != -76600 || s.CurrentVCPU != 4 {
		t.Errorf("size %+v, want Standard_D2s_v5 saving 76,600 JPY", s)
	}
}

// TestShortHistory: under two weeks of observed hours the group says so
// instead of a forecast, and the document explains it.
func TestShortHistory(t *testing.T) {
	f := newFixture(t)
	f.svc.now = func() time.Time { return dataFrom.Add(13 * 24 * time.Hour) }
	p, err := f.svc.Generate(t.Context(), "acme", Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Groups[0]; g.Note != "no.history" || len(g.Months) != 0 {
		t.Fatalf("group %+v, want note no.history", g)
	}
	out, err := HTML(p)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "Not enough history for a forecast (312 hours observed, at least 336 needed).")
	if d := p.Drafts(); len(d) != 0 {
		t.Errorf("drafts of a group without a forecast: %+v", d)
	}
}

// TestDrafts: what accepting the plan hands the capacity package. The twelve
// months have the same counts, so one baseline period covers the year.
func TestDrafts(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.Generate(t.Context(), "acme", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := p.Drafts()
	if len(ds) != 1 || ds[0].Group != 1 || ds[0].TimeZone != "Asia/Tokyo" {
		t.Fatalf("drafts %+v", ds)
	}
	d := ds[0]
	if len(d.Periods) != 1 || !d.Periods[0].From.Equal(p.YearFrom) || !d.Periods[0].To.Equal(p.YearTo) {
		t.Fatalf("periods %+v, want one over the year", d.Periods)
	}
	b := d.Periods[0].Baseline
	if b.Default != 1 || len(b.Rules) != 2 {
		t.Fatalf("baseline %+v, want nights (the default) at 1 and two rules", b)
	}
	want := []Rule{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "08:00", End: "23:00", Count: 2},
		{Days: []string{"sat", "sun"}, Start: "08:00", End: "23:00", Count: 2}}
	for i, r := range b.Rules {
		if !slices.Equal(r.Days, want[i].Days) || r.Start != want[i].Start || r.End != want[i].End || r.Count != want[i].Count {
			t.Errorf("rule %d: %+v, want %+v", i, r, want[i])
		}
	}
	if len(d.Events) != 1 || d.Events[0].Count != 3 || !d.Events[0].Start.Equal(saleStart) {
		t.Errorf("events %+v", d.Events)
	}
}
