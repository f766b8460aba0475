package console

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestDeskCatalogComputed: every state, reason and kind the pages show
// through a computed key has its words.
func TestDeskCatalogComputed(t *testing.T) {
	var keys []string
	for _, s := range []alert.State{alert.StatePending, alert.StateFiring, alert.StateResolved} {
		keys = append(keys, "astate."+string(s))
	}
	for _, r := range []string{alert.ReasonCondition, alert.ReasonRecovered, alert.ReasonCleared, alert.ReasonSeverity, alert.ReasonReleased,
		alert.ReasonIntake, alert.ReasonAcknowledged, alert.ReasonSilenced, alert.ReasonRemoved} {
		keys = append(keys, "areason."+r)
	}
	for _, s := range []incident.State{incident.StateNew, incident.StateInProgress, incident.StateOnHold, incident.StateResolved, incident.StateClosed, incident.StateCanceled} {
		keys = append(keys, "istate."+string(s))
	}
	for _, h := range []incident.HoldReason{incident.HoldAwaitingCaller, incident.HoldAwaitingChange, incident.HoldAwaitingProblem, incident.HoldAwaitingVendor} {
		keys = append(keys, "hold."+string(h))
	}
	for _, k := range []incident.EntryKind{incident.EntryOpened, incident.EntryChanged, incident.EntryState, incident.EntryAcknowledged, incident.EntryCause,
		incident.EntryWorkNote, incident.EntryComment, incident.EntryAlert, incident.EntryClock, incident.EntrySLAWarning, incident.EntrySLABreach,
		incident.EntryNotification, incident.EntryServiceNow, incident.EntryApproval} {
		keys = append(keys, "entry."+string(k))
	}
	for _, c := range []incident.ClockName{incident.ClockAcknowledge, incident.ClockIdentify, incident.ClockResolve} {
		keys = append(keys, "clock."+string(c))
	}
	for _, s := range []string{"running", "paused", "met", "breached"} {
		keys = append(keys, "cstate."+s)
	}
	for _, d := range weekdays {
		keys = append(keys, "wd."+d)
	}
	for p := 0; p <= 5; p++ {
		keys = append(keys, "prio."+string(rune('0'+p)))
	}
	keys = append(keys, "rstate.draft", "rstate.published", "mnt.weekly", "mnt.monthly", "when.", "when.business_hours", "when.out_of_hours")
	for _, k := range keys {
		if _, ok := catalog[k]; !ok {
			t.Errorf("no words for %q", k)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0h00m", 90 * time.Second: "0h02m", 2*time.Hour + 5*time.Minute: "2h05m", 76 * time.Hour: "3d 4h", -time.Hour: "0h00m",
	} {
		if got := formatDuration(model.Duration(d)); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDateRange(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	from, to, err := dateRange("2026-11-01", "2026-11-30", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 1, 0, 0, 0, 0, tokyo); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from, want)
	}
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, tokyo); !to.Equal(want) {
		t.Errorf("to = %v, want the day after, %v (to is inclusive)", to, want)
	}
	for _, c := range []struct{ from, to, field string }{{"11/01", "", "from"}, {"", "tomorrow", "to"}, {"2026-11-02", "2026-11-01", "to"}} {
		_, _, err := dateRange(c.from, c.to, tokyo)
		if e, ok := invalid.As(err); !ok || e.Field != c.field {
			t.Errorf("dateRange(%q, %q) = %v, want an error naming %s", c.from, c.to, err, c.field)
		}
	}
}

func TestWindowForm(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	w, err := windowForm{Name: "patch", Kind: "once", Start: "2026-12-05T22:00", End: "2026-12-06T02:00"}.window("acme", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC); !w.Start.Equal(want) || w.Tenant != "acme" {
		t.Errorf("one-off window = %+v, want the start typed in the user's zone (%v)", w, want)
	}
	w, err = windowForm{Name: "weekly", Kind: "recurring", Frequency: "weekly", Weekdays: map[string]bool{"sun": true, "wed": true},
		StartTime: "02:00", Duration: "3h", TimeZone: "Asia/Tokyo", StartsOn: "2026-12-01", EndsOn: "2027-03-01"}.window("acme", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Recurrence.Weekdays; len(got) != 2 || got[0] != "wed" || got[1] != "sun" {
		t.Errorf("weekdays = %v, want wed, sun in week order", got)
	}
	if err := w.Window.Validate(); err != nil {
		t.Errorf("the weekly window does not validate: %v", err)
	}
	for _, f := range []windowForm{{Kind: "once", Start: "soon"}, {Kind: "sometimes"}, {Kind: "recurring", Frequency: "monthly", DayOfMonth: "last"}} {
		if _, err := f.window("acme", tokyo); err == nil {
			t.Errorf("%+v was accepted", f)
		}
	}
}

// FuzzWindowForm: whatever a form sends, turning it into a window never
// panics, and a window it returns belongs to the tenant asked for.
func FuzzWindowForm(f *testing.F) {
	f.Add("once", "2026-12-05T22:00", "2026-12-06T02:00", "weekly", "1", "")
	f.Add("recurring", "", "", "monthly", "31", "3")
	f.Add("recurring", "", "", "weekly", "", "x")
	f.Fuzz(func(t *testing.T, kind, start, end, freq, dom, resource string) {
		w, err := windowForm{Name: "n", Kind: kind, Start: start, End: end, Frequency: freq, DayOfMonth: dom, Resource: resource,
			StartTime: "02:00", Duration: "1h", TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-02-01"}.window("acme", time.UTC)
		if err == nil && w.Tenant != "acme" {
			t.Fatalf("window of %q", w.Tenant)
		}
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("error %v is not an input error", err)
			}
		}
	})
}

// FuzzDateRange: the history's dates never panic, and a range it accepts is not inverted.
func FuzzDateRange(f *testing.F) {
	f.Add("2026-11-01", "2026-11-30")
	f.Add("", "2026-02-30")
	f.Fuzz(func(t *testing.T, from, to string) {
		a, b, err := dateRange(from, to, time.UTC)
		if err == nil && !a.IsZero() && !b.IsZero() && !b.After(a) {
			t.Fatalf("accepted %q..%q as %v..%v", from, to, a, b)
		}
	})
}
