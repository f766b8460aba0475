package report

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestClosedDaysBoundsWhatItHolds fills the cache past its bound: it
// holds at most maxRuns runs, drops the least recently used tenant first,
// keeps nothing of a tenant with more runs than the bound, and a tenant
// created again under the same ID reads its days afresh.
func TestClosedDaysBoundsWhatItHolds(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	born := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := NewClosedDays(time.Hour, 10, nil)
	reads := map[string]int{} // closed reads by tenant
	view := func(tenant string, runs int, born time.Time) {
		t.Helper()
		fetch := func(_ context.Context, f, _ time.Time) ([]hostRun, error) {
			if f.Equal(from) {
				reads[tenant]++
			}
			out := make([]hostRun, runs)
			for i := range out {
				out[i] = hostRun{host: fmt.Sprint(tenant, i), start: f.UnixMilli(), end: f.Add(time.Minute).UnixMilli()}
			}
			return out, nil
		}
		if _, err := d.runs(context.Background(), tenant, born, from, to, fetch); err != nil {
			t.Fatal(err)
		}
		if d.held > 10 {
			t.Fatalf("the cache holds %d runs, bound 10", d.held)
		}
	}
	view("a", 4, born)
	view("b", 4, born)
	view("a", 4, born) // a is now the more recently used
	view("c", 4, born) // b goes
	view("a", 4, born)
	view("b", 4, born)
	if reads["a"] != 1 || reads["b"] != 2 || reads["c"] != 1 {
		t.Errorf("closed reads %v, want a 1 (kept), b 2 (dropped for c), c 1", reads)
	}
	view("big", 11, born)
	view("big", 11, born)
	if reads["big"] != 2 {
		t.Errorf("a tenant with more runs than the bound was kept: %d reads", reads["big"])
	}
	view("a", 4, born.Add(time.Second)) // deleted and created again
	if reads["a"] != 2 {
		t.Errorf("a tenant created again read its predecessor's days: %d reads", reads["a"])
	}
}

// TestClosedDaysCloseFromTheNewestSample: with nothing come in for two
// days (every agent cut off), the TSDB still takes samples of those days,
// so they stay open until samples come again.
func TestClosedDaysCloseFromTheNewestSample(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	newest := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	d := NewClosedDays(time.Hour, 0, func() time.Time { return newest })
	var asked []string
	fetch := func(_ context.Context, f, t time.Time) ([]hostRun, error) {
		asked = append(asked, f.Format("02T15")+"–"+t.Format("02T15"))
		return nil, nil
	}
	for range 2 {
		if _, err := d.runs(context.Background(), "acme", from, from, to, fetch); err != nil {
			t.Fatal(err)
		}
	}
	newest = to
	if _, err := d.runs(context.Background(), "acme", from, from, to, fetch); err != nil {
		t.Fatal(err)
	}
	want := []string{"01T00–03T00", "03T00–05T12", "03T00–05T12", "03T00–05T00", "05T00–05T12"}
	if fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("read %v, want %v", asked, want)
	}
}

// TestOpenDaysReadWhatSettledSince: with the open days kept, a view reads
// the minutes that settled since the view before and the last settle; a
// view at the refresh reads the open days afresh; their runs count in the
// bound.
func TestOpenDaysReadWhatSettledSince(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 5, 12, 0, 30, 0, time.UTC)
	d := NewClosedDays(time.Hour, 0, nil)
	d.KeepOpenDays(5*time.Minute, 10*time.Minute)
	var asked []string
	fetch := func(_ context.Context, f, t time.Time) ([]hostRun, error) {
		asked = append(asked, f.Format("02T15:04")+"–"+t.Format("02T15:04"))
		return []hostRun{{host: "web", start: f.UnixMilli(), end: f.Add(time.Minute).UnixMilli()}}, nil
	}
	view := func(at time.Time) []hostRun {
		t.Helper()
		rs, err := d.runs(context.Background(), "acme", from, from, at, fetch)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	first := view(to)
	view(to)
	view(to.Add(3 * time.Minute))
	view(to.Add(4 * time.Minute))
	view(to.Add(10 * time.Minute)) // the refresh, at the latest
	want := []string{"01T00:00–05T00:00", "05T00:00–05T11:55", "05T11:55–05T12:00",
		"05T11:55–05T12:00",
		"05T11:55–05T11:58", "05T11:58–05T12:03",
		"05T11:58–05T11:59", "05T11:59–05T12:04",
		"05T00:00–05T12:05", "05T12:05–05T12:10"}
	if fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("read\n%v, want\n%v", asked, want)
	}
	if len(first) != 3 || d.held != 2 { // the closed days' and the open days' are kept, not the edge's
		t.Errorf("the first view gave %d runs and holds %d, want 3 and 2", len(first), d.held)
	}

	// A bound of 2 runs keeps the closed days' run only.
	d = NewClosedDays(time.Hour, 2, nil)
	d.KeepOpenDays(5*time.Minute, 10*time.Minute)
	fetch = func(_ context.Context, f, _ time.Time) ([]hostRun, error) {
		return []hostRun{{host: "a", start: f.UnixMilli()}, {host: "b", start: f.UnixMilli()}}, nil
	}
	if rs := view(to); len(rs) != 6 || d.held != 2 {
		t.Errorf("over the bound: %d runs, %d held; want 6 and 2", len(rs), d.held)
	}
}
