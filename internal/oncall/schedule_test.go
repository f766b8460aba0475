package oncall

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// zones lists every zone of the system tz database.
func zones(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("/usr/share/zoneinfo/zone1970.tab")
	if err != nil {
		t.Fatalf("the tz database is missing (install the Debian package tzdata): %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		if fs := strings.Split(sc.Text(), "\t"); len(fs) >= 3 {
			out = append(out, fs[2])
		}
	}
	if len(out) < 300 {
		t.Fatalf("zone1970.tab lists only %d zones", len(out))
	}
	return out
}

// TestHandoffAtWallClockEveryZone checks, in every zone of the tz database
// around every offset change from 2000 to 2037, that a hand-off happens at
// the first instant its wall clock reads the hand-off time, and that
// hand-offs never go back in time.
func TestHandoffAtWallClockEveryZone(t *testing.T) {
	checked := 0
	for _, name := range zones(t) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		end := time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC)
		for at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); {
			_, next := at.In(loc).ZoneBounds()
			if next.IsZero() || !next.Before(end) {
				break
			}
			// Wall-clock times from 3h before to 3h after the change, by 5 minutes.
			base := civilOf(next.In(loc)).add(-3 * time.Hour)
			base = civil(time.Time(base).Truncate(5 * time.Minute))
			var prev time.Time
			for k := range 73 {
				c := base.add(time.Duration(k) * 5 * time.Minute)
				h := c.at(loc)
				if civilOf(h.In(loc)).before(c) {
					t.Fatalf("%s: hand-off %s lands at %s, before its wall-clock time", name, time.Time(c).Format(startLayout), h.In(loc))
				}
				if !civilOf(h.Add(-time.Second).In(loc)).before(c) {
					t.Fatalf("%s: hand-off %s lands at %s, not the first instant reading it", name, time.Time(c).Format(startLayout), h.In(loc))
				}
				if h.Before(prev) {
					t.Fatalf("%s: hand-off %s at %s goes back before the previous one at %s", name, time.Time(c).Format(startLayout), h, prev)
				}
				prev = h
				checked++
			}
			at = next
		}
	}
	if checked < 100000 {
		t.Fatalf("only %d hand-offs checked: the tz database looks empty", checked)
	}
}

func newYork(t *testing.T, handoff string, length time.Duration, start string, members ...string) *Rotation {
	t.Helper()
	r := &Rotation{Name: "ops", TimeZone: "America/New_York", Layers: []Layer{{Name: "primary", Members: members, Handoff: handoff, Length: model.Duration(length), Start: start}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	return r
}

func mustAt(t *testing.T, r *Rotation, ov []Override, at time.Time) Shift {
	t.Helper()
	s, ok, err := OnCall(r, ov, at)
	if err != nil || !ok {
		t.Fatalf("nobody on call at %s: %v", at, err)
	}
	return s
}

// TestDailyHandoffAcrossDST: a daily 09:00 hand-off in New York is at 09:00
// local before and after both changes of 2026, so the shift over the
// change is 23h in March and 25h in November.
func TestDailyHandoffAcrossDST(t *testing.T) {
	r := newYork(t, Daily, 0, "2026-03-06T09:00", "alice", "bob")
	ny, _ := time.LoadLocation("America/New_York")
	f := func(y int, m time.Month, d int, wantLen time.Duration) {
		t.Helper()
		start := time.Date(y, m, d, 9, 0, 0, 0, ny)
		s := mustAt(t, r, nil, start)
		if !s.Start.Equal(start) || s.End.Sub(s.Start) != wantLen {
			t.Fatalf("shift at %s: %s to %s, want from %s lasting %s", start, s.Start.In(ny), s.End.In(ny), start, wantLen)
		}
		before := mustAt(t, r, nil, start.Add(-time.Minute))
		if before.Contact == s.Contact {
			t.Fatalf("no hand-off at %s: %s stays on call", start, s.Contact)
		}
	}
	f(2026, 3, 7, 23*time.Hour) // Sat 09:00 EST to Sun 09:00 EDT
	f(2026, 3, 8, 24*time.Hour)
	f(2026, 10, 31, 25*time.Hour) // Sat 09:00 EDT to Sun 09:00 EST
	f(2026, 11, 1, 24*time.Hour)
}

// TestHandoffInSkippedHour: 02:30 does not exist on 8 March 2026 in New
// York; that day's hand-off is at 03:00 EDT, the next day's at 02:30 again.
func TestHandoffInSkippedHour(t *testing.T) {
	r := newYork(t, Daily, 0, "2026-03-01T02:30", "alice", "bob")
	ny, _ := time.LoadLocation("America/New_York")
	s := mustAt(t, r, nil, time.Date(2026, 3, 8, 12, 0, 0, 0, ny))
	if want := time.Date(2026, 3, 8, 3, 0, 0, 0, ny); !s.Start.Equal(want) {
		t.Fatalf("hand-off on the spring-forward day at %s, want %s", s.Start.In(ny), want)
	}
	if want := time.Date(2026, 3, 9, 2, 30, 0, 0, ny); !s.End.Equal(want) {
		t.Fatalf("next hand-off at %s, want %s", s.End.In(ny), want)
	}
}

// TestMinuteRotationAcrossFallBack: a 1-minute custom rotation hands off at
// each wall-clock minute; in the repeated hour of 1 November 2026 the wall
// clock reads minutes already handed off, so no hand-off happens until it
// reads a new minute (02:00 EST).
func TestMinuteRotationAcrossFallBack(t *testing.T) {
	r := newYork(t, Custom, time.Minute, "2026-11-01T01:58", "a", "b", "c")
	ny, _ := time.LoadLocation("America/New_York")
	firstOneAM := time.Date(2026, 11, 1, 5, 58, 0, 0, time.UTC) // 01:58 EDT
	sched, err := Schedule(r, nil, firstOneAM, firstOneAM.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sched {
		got = append(got, s.Start.In(ny).Format("15:04 MST")+" "+s.Contact)
	}
	want := []string{"01:58 EDT a", "01:59 EDT b", "02:00 EST c", "02:01 EST a"}
	if len(got) < 4 || strings.Join(got[:4], ",") != strings.Join(want, ",") {
		t.Fatalf("schedule %v, want it to begin %v", got, want)
	}
	if d := sched[1].End.Sub(sched[1].Start); d != time.Hour+time.Minute {
		t.Fatalf("the 01:59 shift lasts %s, want 1h1m (it spans the repeated hour)", d)
	}
}

// TestLayersAndOverrides: the higher layer wins where it has started; an
// override wins over every layer for its range only.
func TestLayersAndOverrides(t *testing.T) {
	r := newYork(t, Weekly, 0, "2026-01-05T09:00", "alice", "bob")
	r.Layers = append(r.Layers, Layer{Name: "holiday desk", Members: []string{"carol"}, Handoff: Daily, Start: "2026-02-01T00:00"})
	ny, _ := time.LoadLocation("America/New_York")
	if s := mustAt(t, r, nil, time.Date(2026, 1, 13, 8, 0, 0, 0, ny)); s.Contact != "bob" || s.Layer != "primary" {
		t.Fatalf("on 13 Jan: %+v, want bob of primary", s)
	}
	if s := mustAt(t, r, nil, time.Date(2026, 2, 2, 8, 0, 0, 0, ny)); s.Contact != "carol" {
		t.Fatalf("on 2 Feb: %+v, want carol of the higher layer", s)
	}
	ov := []Override{{Contact: "dave", Start: time.Date(2026, 2, 3, 0, 0, 0, 0, ny), End: time.Date(2026, 2, 4, 0, 0, 0, 0, ny)}}
	if s := mustAt(t, r, ov, time.Date(2026, 2, 3, 12, 0, 0, 0, ny)); s.Contact != "dave" || s.Layer != OverrideLayer {
		t.Fatalf("in the override: %+v, want dave", s)
	}
	if s := mustAt(t, r, ov, time.Date(2026, 2, 4, 0, 0, 0, 0, ny)); s.Contact != "carol" {
		t.Fatalf("after the override: %+v, want carol", s)
	}
	if _, ok, _ := OnCall(r, nil, time.Date(2025, 12, 1, 0, 0, 0, 0, ny)); ok {
		t.Fatal("someone on call before any layer started")
	}
	sched, err := Schedule(r, ov, time.Date(2026, 2, 2, 0, 0, 0, 0, ny), time.Date(2026, 2, 5, 0, 0, 0, 0, ny))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sched {
		got = append(got, s.Contact+"@"+s.Start.In(ny).Format("02 15:04"))
	}
	if strings.Join(got, ",") != "carol@02 00:00,dave@03 00:00,carol@04 00:00" {
		t.Fatalf("schedule %v", got)
	}
}
