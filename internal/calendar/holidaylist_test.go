package calendar

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestParseHolidayList(t *testing.T) {
	f := func(in string, want []string, wantField string) {
		t.Helper()
		got, err := ParseHolidayList(in)
		if wantField != "" {
			if e, ok := invalid.As(err); !ok || e.Field != wantField {
				t.Errorf("ParseHolidayList(%q) = %v, want a refusal of %s", in, err, wantField)
			}
			return
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseHolidayList(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	// The Cabinet Office's CSV: a header, Y/M/D, a name after the comma.
	f("国民の祝日・休日月日,国民の祝日・休日名称\r\n2026/1/1,元日\r\n2026/1/12,成人の日\r\n", []string{"2026-01-01", "2026-01-12"}, "")
	f("2026-05-03\n\n2026-05-04 みどりの日\n2026-05-03\n", []string{"2026-05-03", "2026-05-04"}, "")
	f("\ufeff\"2026-12-31\",\"大晦日\"", []string{"2026-12-31"}, "")
	f("", nil, "")
	f("2026-01-01\n2026-02-30\n", nil, "line 2")
	f("2026-13-01", nil, "line 1")
	f("26/1/1", nil, "line 1")
}

// FuzzParseHolidayList: any text is either refused or gives dates that the
// calendar accepts as its holidays.
func FuzzParseHolidayList(f *testing.F) {
	f.Add("2026/1/1,元日\n2026-01-12\n")
	f.Add("header\n2026-02-30")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseHolidayList(s)
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("refusal %v is not an *invalid.Error", err)
			}
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Fatalf("refusal of valid text is not valid text: %q", err)
			}
			return
		}
		if err := (Calendar{TimeZone: "Asia/Tokyo", Holidays: got}).Validate(); err != nil {
			t.Fatalf("dates %v from %q are not a valid holiday list: %v", got, s, err)
		}
	})
}
