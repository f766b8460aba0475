package maintenance

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func weekly(zone, startTime, duration, from, until string, days ...string) Window {
	return Window{Recurrence: &Recurrence{Frequency: "weekly", Weekdays: days, StartTime: startTime,
		Duration: duration, TimeZone: zone, StartsOn: from, EndsOn: until}}
}

func TestValidate(t *testing.T) {
	f := func(w Window, want string) {
		t.Helper()
		err := w.Validate()
		if want == "" {
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			return
		}
		if _, ok := invalid.As(err); !ok || err.Error() != want {
			t.Fatalf("Validate = %v, want *invalid.Error %q", err, want)
		}
	}
	ok := func() Window { return weekly("Asia/Tokyo", "02:00", "2h", "2026-01-01", "2026-12-31", "tue", "thu") }
	monthly := func(mod func(*Recurrence)) Window {
		r := &Recurrence{Frequency: "monthly", DayOfMonth: 15, StartTime: "02:00", Duration: "2h",
			TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}
		mod(r)
		return Window{Recurrence: r}
	}
	with := func(mod func(*Recurrence)) Window { w := ok(); mod(w.Recurrence); return w }
	t0 := ts("2026-01-10T01:00:00+09:00")

	f(ok(), "")
	f(Window{Start: t0, End: t0.Add(time.Hour)}, "")
	f(monthly(func(*Recurrence) {}), "")
	f(monthly(func(r *Recurrence) { r.DayOfMonth, r.Week, r.Weekday = 0, "last", "sun" }), "")
	f(with(func(r *Recurrence) { r.Weekdays = []string{"mon", "tue"}; r.Duration = "24h" }), "") // exactly the gap
	f(with(func(r *Recurrence) { r.EndsOn = r.StartsOn }), "")                                   // one day

	f(Window{}, "start: is required for a one-off window (or give a recurrence)")
	f(Window{Start: t0}, "end: is required for a one-off window")
	f(Window{Start: t0, End: t0}, "end: must be after start 2026-01-10T01:00:00+09:00")
	f(Window{Start: t0, Recurrence: ok().Recurrence}, "start: must be empty for a recurring window")
	f(with(func(r *Recurrence) { r.Frequency = "daily" }), `recurrence.frequency: must be weekly or monthly, got "daily"`)
	f(with(func(r *Recurrence) { r.TimeZone = "" }),
		"recurrence.time_zone: is required: the wall-clock start time needs a zone (write UTC for UTC)")
	f(with(func(r *Recurrence) { r.TimeZone = "Asia/Edo" }), `recurrence.time_zone: unknown time zone "Asia/Edo"`)
	f(with(func(r *Recurrence) { r.Weekdays = nil }), "recurrence.weekdays: must name at least one day for a weekly window")
	f(with(func(r *Recurrence) { r.Weekdays = []string{"tue", "tues"} }),
		`recurrence.weekdays[1]: must be one of mon, tue, wed, thu, fri, sat, sun, got "tues"`)
	f(with(func(r *Recurrence) { r.Weekdays = []string{"tue", "thu", "tue"} }), "recurrence.weekdays[2]: tue is listed twice")
	f(with(func(r *Recurrence) { r.DayOfMonth = 3 }), "recurrence.frequency: weekly takes weekdays, not day_of_month, week or weekday")
	f(with(func(r *Recurrence) { r.StartTime = "24:00" }), "recurrence.start_time: must be before 24:00")
	f(with(func(r *Recurrence) { r.StartTime = "2:00" }), `recurrence.start_time: must be HH:MM between 00:00 and 24:00, got "2:00"`)
	f(with(func(r *Recurrence) { r.Duration = "2 hours" }), `recurrence.duration: must be a positive Go duration such as 2h or 90m, got "2 hours"`)
	f(with(func(r *Recurrence) { r.Duration = "0s" }), `recurrence.duration: must be a positive Go duration such as 2h or 90m, got "0s"`)
	// tue and thu are two days apart (thu to tue, five).
	f(with(func(r *Recurrence) { r.Duration = "48h1m" }), "recurrence.duration: must not exceed 48h0m0s, the shortest gap between occurrences")
	f(with(func(r *Recurrence) { r.Weekdays = []string{"sun", "sat"}; r.Duration = "25h" }), // sat to sun wraps: one day
		"recurrence.duration: must not exceed 24h0m0s, the shortest gap between occurrences")
	f(monthly(func(r *Recurrence) { r.Duration = "673h" }), "recurrence.duration: must not exceed 672h0m0s, the shortest gap between occurrences")
	f(with(func(r *Recurrence) { r.StartsOn = "" }), `recurrence.starts_on: must be a date YYYY-MM-DD, got ""`)
	f(with(func(r *Recurrence) { r.EndsOn = "" }), "recurrence.ends_on: is required: a recurring window must end (renew it when it does)")
	f(with(func(r *Recurrence) { r.EndsOn = "2026-13-01" }), `recurrence.ends_on: must be a date YYYY-MM-DD, got "2026-13-01"`)
	f(with(func(r *Recurrence) { r.EndsOn = "2025-12-31" }), "recurrence.ends_on: must not be before starts_on 2026-01-01")
	f(monthly(func(r *Recurrence) { r.DayOfMonth = 32 }), "recurrence.day_of_month: must be 1-31, got 32")
	f(monthly(func(r *Recurrence) { r.DayOfMonth = 0 }), "recurrence.day_of_month: is required for a monthly window, or give week and weekday")
	f(monthly(func(r *Recurrence) { r.Week = "2" }), "recurrence.day_of_month: give either day_of_month or week and weekday, not both")
	f(monthly(func(r *Recurrence) { r.DayOfMonth, r.Week, r.Weekday = 0, "5", "sun" }),
		`recurrence.week: must be "1", "2", "3", "4" or "last", got "5"`)
	f(monthly(func(r *Recurrence) { r.DayOfMonth, r.Week, r.Weekday = 0, "02", "sun" }),
		`recurrence.week: must be "1", "2", "3", "4" or "last", got "02"`)
	f(monthly(func(r *Recurrence) { r.DayOfMonth, r.Weekday = 0, "sun" }),
		`recurrence.week: must be "1", "2", "3", "4" or "last", got ""`)
	f(monthly(func(r *Recurrence) { r.DayOfMonth, r.Week = 0, "last" }),
		`recurrence.weekday: must be one of mon, tue, wed, thu, fri, sat, sun, got ""`)
	f(monthly(func(r *Recurrence) { r.Weekdays = []string{"mon"} }),
		"recurrence.weekdays: is for weekly windows; a monthly one takes day_of_month, or week and weekday")
}

func TestInvalidWindowNeverApplies(t *testing.T) {
	// An unreadable window must not silence alerts.
	w := weekly("Asia/Edo", "00:00", "24h", "2026-01-01", "2026-12-31", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
	from := ts("2026-06-01T00:00:00Z")
	if w.Active(from) || w.Covered(from, from.Add(48*time.Hour)) != 0 || w.Occurrences(from, from.Add(48*time.Hour)) != nil {
		t.Fatal("an invalid window applied")
	}
}

func TestJSON(t *testing.T) {
	w := weekly("Asia/Tokyo", "02:00", "2h", "2026-01-01", "2026-12-31", "tue")
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	// A recurring window carries no zero start and end.
	want := `{"recurrence":{"frequency":"weekly","weekdays":["tue"],"start_time":"02:00","duration":"2h",` +
		`"time_zone":"Asia/Tokyo","starts_on":"2026-01-01","ends_on":"2026-12-31"}}`
	if string(b) != want {
		t.Fatalf("json = %s\nwant %s", b, want)
	}
	var back Window
	in := `{"recurrence":{"frequency":"monthly","week":"last","weekday":"sun","start_time":"02:30","duration":"1h",` +
		`"time_zone":"Europe/Berlin","starts_on":"2026-01-01","ends_on":"2026-12-31"}}`
	if err := json.Unmarshal([]byte(in), &back); err != nil || back.Validate() != nil || back.Recurrence.Week != "last" {
		t.Fatalf("Unmarshal = %+v, %v", back.Recurrence, err)
	}
	once := Window{Start: ts("2026-02-01T22:00:00+09:00"), End: ts("2026-02-02T02:00:00+09:00")}
	if b, _ := json.Marshal(once); string(b) != `{"start":"2026-02-01T22:00:00+09:00","end":"2026-02-02T02:00:00+09:00"}` {
		t.Fatalf("one-off json = %s", b)
	}
}
