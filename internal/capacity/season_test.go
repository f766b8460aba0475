package capacity

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// yearly is a plan as the yearly plan drafts it: the plain baseline of the
// issue's shop, a quieter winter and a busier spring (seasons in Tokyo).
func yearly() Document {
	d := shop()
	d.Seasons = []Season{
		{Name: "winter", From: "2027-01-01", Until: "2027-03-01", Baseline: Baseline{Default: 1, Rules: []Rule{
			{Days: weekdays, Start: "08:00", End: "23:00", Count: 3},
		}}},
		{Name: "spring", From: "2027-03-01", Until: "2027-06-01", Baseline: Baseline{Default: 3, Rules: []Rule{
			{Days: weekdays, Start: "08:00", End: "23:00", Count: 9},
			{Days: []string{"sat", "sun"}, Start: "08:00", End: "23:00", Count: 7},
		}}},
	}
	return d
}

// TestSeasonsReplaceTheBaselineOnTheirDates: a season's baseline holds
// from its first local midnight to the midnight that ends it, the plain
// baseline outside every season.
func TestSeasonsReplaceTheBaselineOnTheirDates(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	tl := Compile(ptr(yearly()), tokyo, 0, 100, nil)
	f := func(local string, want int) {
		t.Helper()
		at, err := time.ParseInLocation("2006-01-02 15:04", local, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		if got := tl.At(at).Count; got != want {
			t.Errorf("%s Tokyo: %d, want %d", local, got, want)
		}
	}
	f("2026-12-31 12:00", 6) // Thursday before the seasons: plain weekday
	f("2026-12-31 23:59", 2) // plain night
	f("2027-01-01 00:00", 1) // winter night from local midnight
	f("2027-01-04 09:00", 3) // winter Monday
	f("2027-01-09 12:00", 1) // winter Saturday: no weekend rule, the default
	f("2027-02-28 23:59", 1) // last minute of winter (a Sunday)
	f("2027-03-01 00:00", 3) // spring night
	f("2027-03-01 08:00", 9) // spring Monday
	f("2027-03-06 08:00", 7) // spring Saturday
	f("2027-05-31 22:59", 9) // last spring weekday
	f("2027-06-01 00:00", 2) // plain again after the seasons
	f("2027-06-05 10:00", 4) // plain Saturday
}

// TestSeasonBoundaryIsAStep: the change of season at local midnight is
// one step in a dry run, at that midnight, even where no rule starts.
func TestSeasonBoundaryIsAStep(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	tl := Compile(ptr(yearly()), tokyo, 0, 100, nil)
	from := time.Date(2027, 2, 28, 12, 0, 0, 0, tokyo)
	steps := tl.Steps(from, from.Add(24*time.Hour))
	if len(steps) == 0 {
		t.Fatal("no step from winter to spring")
	}
	if want := time.Date(2027, 3, 1, 0, 0, 0, 0, tokyo); !steps[0].Start.Equal(want) || steps[0].Count != 3 {
		t.Fatalf("first step %s → %d, want %s → 3", steps[0].Start, steps[0].Count, want)
	}
}

// TestDocumentWithoutSeasonsKeepsItsMeaning: a document stored before
// seasons existed decodes, encodes and compiles as before: no "seasons"
// key appears, and every moment of a year has the plain baseline.
func TestDocumentWithoutSeasonsKeepsItsMeaning(t *testing.T) {
	stored := `{"baseline":{"default":2,"rules":[{"days":["mon","tue","wed","thu","fri"],"start":"08:00","end":"23:00","count":6},{"days":["sat","sun"],"start":"00:00","end":"24:00","count":4}]},"events":[]}`
	var d Document
	if err := json.Unmarshal([]byte(stored), &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(d); string(b) != stored {
		t.Fatalf("re-encoded:\n%s\nwant\n%s", b, stored)
	}
	tl := Compile(&d, time.UTC, 0, 100, nil)
	for at := time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC); at.Year() == 2027; at = at.Add(7 * time.Hour) {
		want := 2
		switch wd := at.Weekday(); {
		case wd == time.Saturday || wd == time.Sunday:
			want = 4
		case at.Hour() >= 8 && at.Hour() < 23:
			want = 6
		}
		if got := tl.At(at).Count; got != want {
			t.Fatalf("%s: %d, want %d", at, got, want)
		}
	}
}

// TestSeasonValidationNamesTheField: bad seasons are refused with the
// path of the field at fault.
func TestSeasonValidationNamesTheField(t *testing.T) {
	f := func(mutate func(*Document), field, reason string) {
		t.Helper()
		d := yearly()
		mutate(&d)
		err := d.Validate()
		e, ok := invalid.As(err)
		if !ok || e.Field != field || !strings.Contains(e.Error(), reason) {
			t.Errorf("got %v, want %s: %s", err, field, reason)
		}
	}
	f(func(d *Document) { d.Seasons[0].From = "2027-02-30" }, "seasons[0].from", "YYYY-MM-DD")
	f(func(d *Document) { d.Seasons[1].Until = "2027-03-01" }, "seasons[1].until", "after from")
	f(func(d *Document) { d.Seasons[1].From = "2027-02-15" }, "seasons[1].from", "overlaps seasons[0]")
	f(func(d *Document) { d.Seasons[1].Baseline.Default = -1 }, "seasons[1].baseline.default", "from 0")
	f(func(d *Document) { d.Seasons[0].Baseline.Rules[0].End = "07:00" }, "seasons[0].baseline.rules[0].end", "after start")
	f(func(d *Document) { d.Baseline.Default = maxCount + 1 }, "baseline.default", "from 0")
}

// TestDiffOfSeasons: a changed season count is named by its path.
func TestDiffOfSeasons(t *testing.T) {
	a, b := yearly(), yearly()
	b.Seasons[1].Baseline.Rules[0].Count = 10
	b.Seasons = append(b.Seasons, Season{From: "2027-06-01", Until: "2027-09-01", Baseline: Baseline{Default: 2}})
	got := Diff(a, b)
	if len(got) != 2 || got[0].Path != "seasons[1].baseline.rules[0]" || got[1].Op != "added" || got[1].Path != "seasons[2]" {
		t.Fatalf("diff: %+v", got)
	}
}

// TestSeasonsThroughTheAPI: a plan with a season, stored through the API,
// shows the season's count from its first local midnight to its last in
// the dry run and the calendar; an overlapping season is refused naming
// the field.
func TestSeasonsThroughTheAPI(t *testing.T) {
	fx := newFixture(t) // now: 2026-12-07 06:00 Tokyo, the service's zone
	var g Group
	fx.must(t, 201, "POST", "/api/v1/tenants/acme/capacity/groups", admin, map[string]any{
		"name": "web", "service_id": fx.svc["acme"], "kind": "manual", "min": 1, "max": 20}, &g)
	base := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
	doc := `{"baseline":{"default":2},"seasons":[{"name":"peak","from":"2026-12-10","until":"2026-12-12","baseline":{"default":5}}],"events":[]}`
	fx.must(t, 201, "POST", base+"/plan/versions", ":read,write", `{"document":`+doc+`}`, nil)
	var dry DryRun
	fx.must(t, 200, "GET", base+"/dry-run?version=1&days=7", admin, nil, &dry)
	at := func(day int) time.Time { return time.Date(2026, 12, day, 0, 0, 0, 0, tokyo) }
	if len(dry.Steps) != 2 || !dry.Steps[0].Start.Equal(at(10)) || dry.Steps[0].Count != 5 || !dry.Steps[1].Start.Equal(at(12)) || dry.Steps[1].Count != 2 {
		t.Fatalf("dry run: %+v", dry.Steps)
	}
	var cal Calendar
	fx.must(t, 200, "GET", base+"/calendar?version=1&from=2026-12-09T00:00:00%2B09:00&to=2026-12-13T00:00:00%2B09:00", admin, nil, &cal)
	var five []string
	for _, s := range cal.Segments {
		if s.Count == 5 {
			five = append(five, s.Start.In(tokyo).Format(time.DateTime)+"–"+s.End.In(tokyo).Format(time.DateTime))
		}
	}
	if len(five) != 1 || five[0] != "2026-12-10 00:00:00–2026-12-12 00:00:00" {
		t.Fatalf("calendar: the season's count over %v", five)
	}
	bad := `{"baseline":{"default":2},"seasons":[{"from":"2026-12-10","until":"2026-12-12","baseline":{"default":5}},{"from":"2026-12-11","until":"2026-12-20","baseline":{"default":3}}]}`
	code, body := fx.do(t, "POST", base+"/plan/versions", ":read,write", `{"document":`+bad+`}`)
	if code != 400 || !strings.Contains(body, `"document.seasons[1].from"`) {
		t.Fatalf("overlapping seasons: %d %s", code, body)
	}
}
