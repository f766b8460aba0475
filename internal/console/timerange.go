package console

import (
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// timeRange is one choice of the time-range picker.
type timeRange struct {
	Key  string // "1h", ... as in the URL
	Span time.Duration
}

// timeRanges are the picker's choices, shortest first.
var timeRanges = []timeRange{
	{"1h", time.Hour}, {"6h", 6 * time.Hour}, {"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour},
}

// defaultRange is shown when the URL names none: a working morning at a glance.
const defaultRange = 1

// chartPoints is about how many points a chart draws whatever the range:
// enough for a wall screen, few enough to stay cheap.
const chartPoints = 240

// parseRange reads the range query parameter; empty means the default.
func parseRange(s string) (timeRange, error) {
	if s == "" {
		return timeRanges[defaultRange], nil
	}
	for _, tr := range timeRanges {
		if tr.Key == s {
			return tr, nil
		}
	}
	return timeRange{}, invalid.New("range", "must be one of 1h, 6h, 24h, 7d, 30d, not %q", s)
}

// step is the query resolution for the range, at least 15 s (a scrape).
func (tr timeRange) step() time.Duration {
	return max(tr.Span/chartPoints, 15*time.Second).Truncate(time.Second)
}
