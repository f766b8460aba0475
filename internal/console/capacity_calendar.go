package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
)

// The calendar's geometry, in SVG user units.
const (
	calLabel = 96.0  // the day labels' column
	calWidth = 864.0 // the 24 hours
	calHead  = 18.0  // the hours' ruler
)

// drawCalendar renders a plan over days starting at from (local midnight
// in loc) as inline SVG: one row a day, the planned count as bars whose
// height is the count (grey from the baseline, blue from an event, amber
// from a hold), and each event as a bar over them with its name. Every
// text is escaped; attributes carry the geometry, so the console's CSP
// (no inline styles) holds.
func drawCalendar(cal *capacity.Calendar, from time.Time, days int, loc *time.Location, lang string) template.HTML {
	row := 34.0
	if days > 7 {
		row = 24
	}
	peak := 1
	for _, s := range cal.Segments {
		peak = max(peak, s.Count)
	}
	h := calHead + row*float64(days)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="calendar" class="calendar" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		calLabel+calWidth, h, esc(calendarTitle(lang)))
	for hr := 0; hr <= 24; hr += 3 {
		x := calLabel + calWidth*float64(hr)/24
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#ccc" stroke-width="0.5"/>`, x, calHead-4, x, h)
		fmt.Fprintf(&b, `<text x="%.1f" y="12" font-size="10" text-anchor="middle" fill="#555">%02d:00</text>`, x, hr)
	}
	for d := 0; d < days; d++ {
		start := time.Date(from.Year(), from.Month(), from.Day()+d, 0, 0, 0, 0, loc)
		end := time.Date(from.Year(), from.Month(), from.Day()+d+1, 0, 0, 0, 0, loc)
		y := calHead + row*float64(d)
		fmt.Fprintf(&b, `<text x="4" y="%.1f" font-size="11" fill="#222">%s</text>`, y+row*0.65, esc(dayLabel(start, lang)))
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd" stroke-width="0.5"/>`, calLabel, y+row, calLabel+calWidth, y+row)
		xOf := func(t time.Time) float64 {
			return calLabel + calWidth*float64(t.Sub(start))/float64(end.Sub(start))
		}
		for _, s := range cal.Segments {
			a, z := clip(s.Start, s.End, start, end)
			if !z.After(a) {
				continue
			}
			bh := (row - 10) * float64(s.Count) / float64(peak)
			fill, kind := "#9aa5b1", "baseline"
			switch {
			case s.Winner == "hold":
				fill, kind = "#e0a526", "hold"
			case s.Winner != "baseline":
				fill, kind = "#3b82c4", "event"
			}
			x, w := xOf(a), xOf(z)-xOf(a)
			fmt.Fprintf(&b, `<rect class="seg %s" data-count="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
				kind, s.Count, x, y+row-1-bh, w, bh, fill, esc(segmentTitle(s, loc, lang)))
			if w > 18 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9" fill="#111">%d</text>`, x+2, y+row-3, s.Count)
			}
		}
		for _, e := range cal.Events {
			a, z := clip(e.Start.Add(-time.Duration(e.Lead)), e.End.Add(time.Duration(e.CoolDown)), start, end)
			if !z.After(a) {
				continue
			}
			x, w := xOf(a), xOf(z)-xOf(a)
			fmt.Fprintf(&b, `<rect class="event" x="%.1f" y="%.1f" width="%.1f" height="7" rx="2" fill="#1d4f7a"><title>%s</title></rect>`, x, y+1, w, esc(e.Name))
			fmt.Fprintf(&b, `<text class="event-name" x="%.1f" y="%.1f" font-size="9" fill="#1d4f7a">%s</text>`, x+1, y+16, esc(e.Name))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func clip(a, z, from, to time.Time) (time.Time, time.Time) {
	if a.Before(from) {
		a = from
	}
	if z.After(to) {
		z = to
	}
	return a, z
}

func esc(s string) string { return template.HTMLEscapeString(s) }

var weekdaysJa = []string{"日", "月", "火", "水", "木", "金", "土"}

func dayLabel(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Mon 01-02")
	}
	return t.Format("01/02") + "（" + weekdaysJa[t.Weekday()] + "）"
}

func calendarTitle(lang string) string {
	if lang == "en" {
		return "Planned instance count by day and hour, events as bars"
	}
	return "日・時間ごとの計画台数（イベントは帯で表示）"
}

func segmentTitle(s capacity.Segment, loc *time.Location, lang string) string {
	src := s.Winner
	if lang != "en" && src == "baseline" {
		src = "ベースライン"
	}
	t := fmt.Sprintf("%s–%s: %d (%s)", s.Start.In(loc).Format("01-02 15:04"), s.End.In(loc).Format("15:04"), s.Count, src)
	if len(s.Events) > 1 {
		if lang == "en" {
			t += " overlap: " + strings.Join(s.Events, ", ") + "; the largest count applies"
		} else {
			t += " 重複: " + strings.Join(s.Events, "、") + "（最大の台数を適用）"
		}
	}
	return t
}
