package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// maxHolidayList bounds an imported list: decades of any country's holidays.
const maxHolidayList = 2000

// ParseHolidayList reads a pasted list of holidays, one a line, as people
// keep them: "2026-01-01", "2026/1/1" or "2026-01-01,元日" (the Cabinet
// Office's syukujitsu.csv is this shape), the date first and anything after
// a comma, tab or space ignored. Lines whose first field has no digit (a CSV
// header, a blank) are skipped. A line that starts like a date and is not
// one is refused, naming the line, so a typo never drops a holiday unseen.
// The dates come back as YYYY-MM-DD, in the order given, without repeats.
func ParseHolidayList(text string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		first := strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if cut := strings.IndexAny(first, ",\t ;"); cut >= 0 {
			first = first[:cut]
		}
		first = strings.Trim(first, `"`)
		if !strings.ContainsAny(first, "0123456789") {
			continue
		}
		d, ok := parseLooseDate(first)
		if !ok {
			return nil, invalid.New(fmt.Sprintf("line %d", i+1), "must start with a date YYYY-MM-DD or YYYY/M/D, got %q", clip(first))
		}
		if s := d.String(); !seen[s] {
			if len(out) == maxHolidayList {
				return nil, invalid.New("", "has more than %d dates", maxHolidayList)
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// parseLooseDate reads Y-M-D or Y/M/D with one- or two-digit month and day.
func parseLooseDate(s string) (Date, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' })
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) > 2 || len(parts[2]) > 2 {
		return Date{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Date{}, false
		}
		n[i] = v
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] {
		return Date{}, false // 2026-02-30 is no date
	}
	return DateOf(t), true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
