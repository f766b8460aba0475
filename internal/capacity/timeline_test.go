package capacity

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

var weekdays = []string{"mon", "tue", "wed", "thu", "fri"}

// shop is the baseline: weekdays 08–23 → 6, nights → 2, weekends → 4.
func shop() Document {
	return Document{Baseline: Baseline{Default: 2, Rules: []Rule{
		{Days: weekdays, Start: "08:00", End: "23:00", Count: 6},
		{Days: []string{"sat", "sun"}, Start: "00:00", End: "24:00", Count: 4},
	}}}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestBaselineInTheServiceTimeZone: the rules read the wall clock of the
// service calendar's zone, not UTC.
func TestBaselineInTheServiceTimeZone(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	tl := Compile(ptr(shop()), tokyo, 0, 100, nil)
	f := func(local string, want int) {
		t.Helper()
		at, err := time.ParseInLocation("2006-01-02 15:04", local, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		if got := tl.At(at).Count; got != want {
			t.Errorf("%s Tokyo (%s UTC): %d, want %d", local, at.UTC().Format("Mon 15:04"), got, want)
		}
	}
	f("2026-12-07 07:59", 2) // Monday before 08:00
	f("2026-12-07 08:00", 6)
	f("2026-12-07 22:59", 6)
	f("2026-12-07 23:00", 2)
	f("2026-12-11 23:30", 2) // Friday night
	f("2026-12-12 00:00", 4) // Saturday
	f("2026-12-13 23:59", 4) // Sunday
	f("2026-12-14 00:00", 2) // Monday night again
}

func ptr[T any](v T) *T { return &v }

// TestDSTKeepsTheWallClock: in New York the weekday rule starts at 08:00
// local on both sides of the spring change (13:00 UTC before, 12:00
// after), the day of the change is an hour shorter, and a rule at a
// skipped wall-clock time starts when the clocks reach it.
func TestDSTKeepsTheWallClock(t *testing.T) {
	ny := zone(t, "America/New_York")
	doc := Document{Baseline: Baseline{Default: 1, Rules: []Rule{
		{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "08:00", End: "20:00", Count: 5},
		{Days: []string{"sun"}, Start: "02:30", End: "03:30", Count: 9},
	}}}
	tl := Compile(&doc, ny, 0, 100, nil)
	// 2026-03-08 is the Sunday US clocks go from 02:00 to 03:00.
	steps := tl.Steps(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	var ups []string
	for _, s := range steps {
		if s.Count == 5 {
			ups = append(ups, s.Start.UTC().Format("01-02 15:04"))
		}
	}
	want := []string{"03-07 13:00", "03-08 12:00", "03-09 12:00"}
	if !slices.Equal(ups, want) {
		t.Errorf("08:00 New York in UTC: %v, want %v", ups, want)
	}
	// 02:30 does not exist on 03-08: the wall clock jumps to 03:00, so
	// the rule (02:30–03:30) holds from 03:00 to 03:30 EDT, half an hour.
	var nine []Segment
	for _, s := range tl.Segments(time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 8, 6, 0, 0, 0, ny)) {
		if s.Count == 9 {
			nine = append(nine, s)
		}
	}
	if len(nine) != 1 || nine[0].End.Sub(nine[0].Start) != 30*time.Minute || nine[0].Start.In(ny).Format("15:04 MST") != "03:00 EDT" {
		t.Errorf("the rule in the skipped hour: %+v", nine)
	}
	// In autumn (11-01) the 08:00 start is 13:00 UTC again.
	if s := tl.At(time.Date(2026, 11, 1, 12, 59, 0, 0, time.UTC)); s.Count != 1 {
		t.Errorf("07:59 EST on the autumn change: %d", s.Count)
	}
	if s := tl.At(time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)); s.Count != 5 {
		t.Errorf("08:00 EST on the autumn change: %d", s.Count)
	}
	// The repeated hour of the autumn change holds a 01:00–01:30 rule twice.
	twice := Compile(&Document{Baseline: Baseline{Default: 1, Rules: []Rule{{Days: []string{"sun"}, Start: "01:00", End: "01:30", Count: 7}}}}, ny, 0, 100, nil)
	var spans []string
	for _, s := range twice.Segments(time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 1, 4, 0, 0, 0, ny)) {
		if s.Count == 7 {
			spans = append(spans, s.Start.In(ny).Format("15:04 MST")+"+"+s.End.Sub(s.Start).String())
		}
	}
	if want := []string{"01:00 EDT+30m0s", "01:00 EST+30m0s"}; !slices.Equal(spans, want) {
		t.Errorf("the repeated hour: %v, want %v", spans, want)
	}
}

// TestEventsLeadCoolDownAndOverlaps: an event holds its count from start
// − lead to end + cool-down; a multiplier scales the baseline of the
// moment; overlapping events take the largest count and are all shown;
// an event never lowers the baseline; the group's bounds cap everything.
func TestEventsLeadCoolDownAndOverlaps(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	doc := shop()
	doc.Events = []Event{
		{Name: "spring sale", Start: at("2026-12-08 10:00"), End: at("2026-12-08 14:00"), Count: 10,
			Lead: model.Duration(time.Hour), CoolDown: model.Duration(30 * time.Minute)},
		{Name: "tv spot", Start: at("2026-12-08 12:00"), End: at("2026-12-08 13:00"), Multiplier: 2.5},
		{Name: "night batch", Start: at("2026-12-08 12:30"), End: at("2026-12-08 15:00"), Count: 3},
		{Name: "huge", Start: at("2026-12-09 10:00"), End: at("2026-12-09 11:00"), Count: 50},
	}
	tl := Compile(&doc, tokyo, 2, 20, nil)
	f := func(when string, count int, winner string, events ...string) {
		t.Helper()
		p := tl.At(at(when))
		if events == nil {
			events = []string{}
		}
		if p.Count != count || p.Winner != winner || !slices.Equal(p.Events, events) {
			t.Errorf("%s: %+v, want %d by %s with %v", when, p, count, winner, events)
		}
	}
	f("2026-12-08 08:59", 6, "baseline")
	f("2026-12-08 09:00", 10, "spring sale", "spring sale") // the lead
	f("2026-12-08 12:00", 15, "tv spot", "spring sale", "tv spot")
	f("2026-12-08 12:30", 15, "tv spot", "spring sale", "tv spot", "night batch")
	f("2026-12-08 13:00", 10, "spring sale", "spring sale", "night batch")
	f("2026-12-08 14:29", 10, "spring sale", "spring sale", "night batch") // cool-down
	f("2026-12-08 14:30", 6, "baseline", "night batch")                    // 3 < baseline 6
	f("2026-12-09 10:00", 20, "huge", "huge")                              // capped at max 20

	// The dry run of that day shows each change of count once.
	var got []int
	for _, s := range tl.Steps(at("2026-12-08 00:00"), at("2026-12-09 00:00")) {
		got = append(got, s.Count)
	}
	if want := []int{6, 10, 15, 10, 6, 2}; !slices.Equal(got, want) {
		t.Errorf("steps of the day: %v, want %v", got, want)
	}
}

// TestCurrentNamesTheLastChange: the count due now is keyed by the moment
// it became due, however late it is asked (the catch-up after a restart);
// a flat plan is keyed by the anchor; a hold replaces the plan while it
// lasts and the plan's count comes back, as a new step, when it ends.
func TestCurrentNamesTheLastChange(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		return v
	}
	anchor := at("2026-11-01 00:00")
	tl := Compile(ptr(shop()), tokyo, 0, 100, nil)
	for _, now := range []string{"2026-12-08 08:00", "2026-12-08 12:34", "2026-12-08 22:59"} {
		start, p := tl.Current(at(now), anchor)
		if !start.Equal(at("2026-12-08 08:00")) || p.Count != 6 {
			t.Errorf("at %s: %s %d, want since 08:00, 6", now, start.In(tokyo), p.Count)
		}
	}
	// Saturday 00:00 to Monday 08:00 is two segments (4, then 2 from
	// Monday 00:00): Sunday noon names Saturday midnight.
	if start, p := tl.Current(at("2026-12-13 12:00"), anchor); !start.Equal(at("2026-12-12 00:00")) || p.Count != 4 {
		t.Errorf("Sunday noon: %s %d", start.In(tokyo), p.Count)
	}
	flat := Compile(&Document{Baseline: Baseline{Default: 3}}, tokyo, 0, 100, nil)
	if start, p := flat.Current(at("2026-12-08 12:00"), anchor); !start.Equal(anchor) || p.Count != 3 {
		t.Errorf("flat plan: %s %d", start, p.Count)
	}
	// A twelve-day event holds the count flat past the week's look back:
	// ten days in, the step is still named by the event's start.
	long := Document{Baseline: Baseline{Default: 2}, Events: []Event{{Name: "year-end", Start: at("2026-12-20 00:00"), End: at("2027-01-01 00:00"), Count: 9, Lead: model.Duration(time.Hour)}}}
	if start, p := Compile(&long, tokyo, 0, 100, nil).Current(at("2026-12-30 12:00"), anchor); !start.Equal(at("2026-12-19 23:00")) || p.Count != 9 {
		t.Errorf("ten days into a long event: %s %d", start.In(tokyo), p.Count)
	}
	hold := Hold{Count: 8, StartsAt: at("2026-12-08 09:00"), Until: at("2026-12-08 18:00")}
	held := Compile(ptr(shop()), tokyo, 0, 100, []Hold{hold})
	if start, p := held.Current(at("2026-12-08 12:00"), anchor); !start.Equal(hold.StartsAt) || p.Count != 8 || p.Winner != "hold" {
		t.Errorf("held: %s %+v", start.In(tokyo), p)
	}
	if start, p := held.Current(at("2026-12-08 18:00"), anchor); !start.Equal(hold.Until) || p.Count != 6 {
		t.Errorf("after the hold: %s %+v", start.In(tokyo), p)
	}
}

// TestValidateNamesTheField: bad documents are refused naming the field.
func TestValidateNamesTheField(t *testing.T) {
	f := func(mutate func(*Document), field string) {
		t.Helper()
		d := shop()
		d.Events = []Event{{Name: "a", Start: time.Now(), End: time.Now().Add(time.Hour), Count: 3}}
		mutate(&d)
		err := d.Validate()
		if field == "" && err != nil || field != "" && (err == nil || !strings.Contains(err.Error(), field+":")) {
			t.Errorf("want field %q, got %v", field, err)
		}
	}
	f(func(*Document) {}, "")
	f(func(d *Document) { d.Baseline.Default = -1 }, "baseline.default")
	f(func(d *Document) { d.Baseline.Rules[0].Days = []string{"monday"} }, "baseline.rules[0].days[0]")
	f(func(d *Document) { d.Baseline.Rules[1].End = "00:00" }, "baseline.rules[1].end")
	f(func(d *Document) { d.Baseline.Rules[0].Start = "24:00" }, "baseline.rules[0].start")
	f(func(d *Document) { d.Events[0].Multiplier = 2 }, "events[0].count")
	f(func(d *Document) { d.Events[0].End = d.Events[0].Start }, "events[0].end")
	f(func(d *Document) { d.Events = append(d.Events, d.Events[0]) }, "events[1].name")
	f(func(d *Document) { d.Events[0].Lead = -1 }, "events[0].lead")
}
