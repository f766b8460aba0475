package agent

import "time"

// untilTick is how long from now to the next multiple of every since the
// Unix epoch that is at least half an interval away. Items of the same
// interval then run at the same instants wherever they started, so the
// process wakes once for all of them and their samples make one batch; the
// half interval keeps an item started (or finished) just before a tick from
// running twice in a row.
func untilTick(every time.Duration, now time.Time) time.Duration {
	if every <= 0 {
		return 0
	}
	d := every - time.Duration(now.UnixNano()%int64(every))
	if d < every/2 {
		d += every
	}
	return d
}
