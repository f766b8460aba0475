package calendar

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestValidate(t *testing.T) {
	f := func(c Calendar, want string) {
		t.Helper()
		err := c.Validate()
		if want == "" {
			if err != nil {
				t.Fatalf("Validate(%+v) = %v, want nil", c, err)
			}
			return
		}
		if _, ok := invalid.As(err); !ok || err.Error() != want {
			t.Fatalf("Validate(%+v) = %v, want *invalid.Error %q", c, err, want)
		}
	}
	mon := func(start, end string) DayHours { return DayHours{Weekday: "mon", Start: start, End: end} }

	f(Calendar{}, "")
	f(tokyo, "")
	f(Calendar{TimeZone: "UTC", Hours: []DayHours{mon("00:00", "24:00")}}, "")
	f(Calendar{Hours: []DayHours{mon("09:00", "12:00"), mon("12:00", "18:00")}}, "") // touching is not overlapping
	f(Calendar{Holidays: []string{"2028-02-29"}}, "")                                // leap day

	f(Calendar{TimeZone: "Mars/Olympus"}, `time_zone: unknown time zone "Mars/Olympus"`)
	f(Calendar{TimeZone: "Local"}, "time_zone: must be an IANA zone name such as Asia/Tokyo, not Local")
	f(Calendar{Hours: []DayHours{{Weekday: "Mon", Start: "09:00", End: "18:00"}}},
		`hours[0].weekday: must be one of mon, tue, wed, thu, fri, sat, sun, got "Mon"`)
	f(Calendar{Hours: []DayHours{mon("09:00", "18:00"), mon("9:00", "18:00")}},
		`hours[1].start: must be HH:MM between 00:00 and 24:00, got "9:00"`)
	f(Calendar{Hours: []DayHours{mon("24:00", "24:00")}}, "hours[0].start: must be before 24:00")
	f(Calendar{Hours: []DayHours{mon("09:60", "18:00")}}, `hours[0].start: must be HH:MM between 00:00 and 24:00, got "09:60"`)
	f(Calendar{Hours: []DayHours{mon("09:00", "24:30")}}, `hours[0].end: must be HH:MM between 00:00 and 24:00, got "24:30"`)
	f(Calendar{Hours: []DayHours{mon("09:00", "")}}, `hours[0].end: must be HH:MM between 00:00 and 24:00, got ""`)
	f(Calendar{Hours: []DayHours{mon("09:00", "09:00")}},
		"hours[0].end: must be after start 09:00 (split overnight hours into two days)")
	f(Calendar{Hours: []DayHours{mon("22:00", "06:00")}},
		"hours[0].end: must be after start 22:00 (split overnight hours into two days)")
	f(Calendar{Hours: []DayHours{mon("09:00", "12:00"), {Weekday: "tue", Start: "11:00", End: "13:00"}, mon("11:59", "13:00")}},
		"hours[2]: overlaps hours[0] (mon 09:00-12:00)")
	f(Calendar{Hours: []DayHours{mon("13:00", "18:00"), mon("08:00", "20:00")}},
		"hours[1]: overlaps hours[0] (mon 13:00-18:00)") // containment overlaps too
	f(Calendar{Holidays: []string{"2026-01-01", "2026-02-30"}},
		`holidays[1]: must be a date YYYY-MM-DD, got "2026-02-30"`)
	f(Calendar{Holidays: []string{"2026-1-1"}}, `holidays[0]: must be a date YYYY-MM-DD, got "2026-1-1"`)
	f(Calendar{Holidays: []string{"2026-01-01", "2026-05-05", "2026-01-01"}},
		"holidays[2]: duplicate of holidays[0] 2026-01-01")
}

func TestInvalidCalendarCountsAs24x7(t *testing.T) {
	// The convenience methods cannot return an error; a calendar that does not compile
	// keeps an SLA clock running in real time instead of stopping it.
	c := Calendar{TimeZone: "Mars/Olympus", Hours: weekdays("09:00", "10:00", "mon")}
	from, to := ts("2026-01-03T00:00:00Z"), ts("2026-01-04T06:30:00Z") // a Saturday: closed if it compiled
	if got := c.Elapsed(from, to); got != 30*time.Hour+30*time.Minute {
		t.Fatalf("Elapsed = %v, want 30h30m", got)
	}
	if !c.Open(from) {
		t.Fatal("Open = false, want true")
	}
}

func TestNilScheduleIs24x7UTC(t *testing.T) {
	var s *Schedule
	from := ts("2026-03-08T01:00:00-05:00")
	if got := s.Elapsed(from, from.Add(90*time.Minute)); got != 90*time.Minute {
		t.Fatalf("Elapsed = %v", got)
	}
	if got := s.Add(from, time.Hour); !got.Equal(from.Add(time.Hour)) {
		t.Fatalf("Add = %v", got)
	}
	if !s.Open(from) || !s.NextOpen(from).Equal(from) || s.Location() != time.UTC {
		t.Fatal("nil schedule must be open at all times, in UTC")
	}
}

func TestParseClock(t *testing.T) {
	f := func(in string, want time.Duration, ok bool) {
		t.Helper()
		got, err := ParseClock(in)
		if (err == nil) != ok || got != want {
			t.Fatalf("ParseClock(%q) = %v, %v; want %v, ok=%v", in, got, err, want, ok)
		}
	}
	f("00:00", 0, true)
	f("09:05", 9*time.Hour+5*time.Minute, true)
	f("23:59", 23*time.Hour+59*time.Minute, true)
	f("24:00", 24*time.Hour, true)
	f("24:01", 0, false)
	f("25:00", 0, false)
	f("9:05", 0, false)
	f("09-05", 0, false)
	f("0a:00", 0, false)
	f("+9:00", 0, false)
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2028-02-28")
	if err != nil {
		t.Fatal(err)
	}
	// 2028 is a leap year: the day after 28 Feb is 29 Feb, a Tuesday (1 Jan 2028 is a Saturday,
	// and 28 Feb is day 59: 58 days later, 58 = 8*7+2, Saturday+2 = Monday, so 29 Feb is Tuesday).
	next := d.AddDays(1)
	if next != (Date{2028, time.February, 29}) || next.Weekday() != time.Tuesday || next.DaysInMonth() != 29 {
		t.Fatalf("AddDays(1) = %v (%v, %d days)", next, next.Weekday(), next.DaysInMonth())
	}
	if got := d.AddDays(-59).String(); got != "2027-12-31" {
		t.Fatalf("AddDays(-59) = %s", got)
	}
	if d.Compare(next) != -1 || next.Compare(d) != 1 || d.Compare(d) != 0 {
		t.Fatal("Compare is inconsistent")
	}
}

func TestJSONNames(t *testing.T) {
	// The service level embeds Calendar; these names are its wire format.
	c := Calendar{TimeZone: "Asia/Tokyo", Hours: []DayHours{{Weekday: "mon", Start: "09:00", End: "18:00"}}, Holidays: []string{"2026-01-01"}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time_zone":"Asia/Tokyo","hours":[{"weekday":"mon","start":"09:00","end":"18:00"}],"holidays":["2026-01-01"]}`
	if string(b) != want {
		t.Fatalf("json = %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(Calendar{}); string(b) != `{"time_zone":""}` {
		t.Fatalf("empty calendar json = %s", b)
	}
}
