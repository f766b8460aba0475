package report

import (
	"context"
	"strings"
	"sync"
	"time"
)

// ClosedDays keeps, per tenant, the runs of failed check minutes of this
// month's closed days, so that the board reads from the TSDB only the days
// whose samples can still change. A day is closed when it ended more than
// the lag before the end of the period asked for (or before the TSDB's
// newest sample, when older): the TSDB takes no sample older than that.
//
// What is kept is each host's runs as the TSDB gives them, not a service's
// figure: which host is in which service, the services, their calendars
// and targets, the maintenance windows and the open days are read afresh
// at each view, so a change to any of them shows at the next one. An entry
// is keyed by the tenant, its creation time (a tenant deleted and created
// again with the same ID starts empty) and the period's start, which
// carries the tenant's time zone. It holds one entry a tenant and at most
// maxRuns runs in all, the least recently used entries going first; a
// restart starts empty.
type ClosedDays struct {
	lag     time.Duration
	maxRuns int
	newest  func() time.Time
	// settle and refresh keep the open days too (KeepOpenDays).
	settle, refresh time.Duration

	mu      sync.Mutex
	entries map[string]*closedEntry
	held    int    // runs held by every entry
	tick    uint64 // the last use
}

// closedEntry is one tenant's runs of [from, end), Unix milliseconds, and
// of the open days after it when kept.
type closedEntry struct {
	born      time.Time
	from, end int64
	runs      []hostRun
	open      *openPart
	used      uint64
}

// held is how many runs e holds.
func (e *closedEntry) held() int {
	n := len(e.runs)
	if e.open != nil {
		n += len(e.open.runs)
	}
	return n
}

// hostRun is a run of failed check minutes [start, end) of one host, in
// Unix milliseconds.
type hostRun struct {
	host       string
	start, end int64
}

// DefaultClosedRuns bounds what ClosedDays holds when not told otherwise:
// about 50 MB of runs.
const DefaultClosedRuns = 1 << 20

// NewClosedDays keeps closed days that ended more than lag ago (the TSDB's
// out-of-order window and the hour before its newest sample that the head
// still takes in order), at most maxRuns runs (DefaultClosedRuns when 0).
// newest, when set, is the time of the TSDB's newest sample: the TSDB
// measures what is too old from it, not from the clock, so when nothing
// has come in for a while (every agent cut off) a day closes only once
// samples come again.
func NewClosedDays(lag time.Duration, maxRuns int, newest func() time.Time) *ClosedDays {
	if maxRuns <= 0 {
		maxRuns = DefaultClosedRuns
	}
	return &ClosedDays{lag: lag, maxRuns: maxRuns, newest: newest, entries: map[string]*closedEntry{}}
}

// fetchRuns reads the runs of [from, to) from the TSDB.
type fetchRuns func(ctx context.Context, from, to time.Time) ([]hostRun, error)

// runs are the runs of [from, to): the closed days' from the entry, what
// closed since it was made and the open days from fetch.
func (d *ClosedDays) runs(ctx context.Context, tenant string, born, from, to time.Time, fetch fetchRuns) ([]hostRun, error) {
	end, ok := d.closedEnd(from, to)
	if !ok {
		if !from.Truncate(checkStep).Equal(from) {
			return fetch(ctx, from, to)
		}
		return d.openRuns(ctx, tenant, born, from, from, to, fetch) // every day open
	}
	kept, keptEnd := d.get(tenant, born, from, end)
	if keptEnd.Before(end) {
		more, err := fetch(ctx, keptEnd, end)
		if err != nil {
			return nil, err
		}
		kept = d.put(tenant, born, from, end, kept, more)
	}
	open, err := d.openRuns(ctx, tenant, born, from, end, to, fetch)
	if err != nil {
		return nil, err
	}
	out := make([]hostRun, 0, len(kept)+len(open))
	return append(append(out, kept...), open...), nil
}

// closedEnd is the start of the day, in from's zone, that holds to (or
// the TSDB's newest sample, when older) less the lag: the days of
// [from, closedEnd) are closed. ok is false when no day is, or when the
// boundaries are not whole minutes (the steps of a check), as in a zone of
// seconds.
func (d *ClosedDays) closedEnd(from, to time.Time) (time.Time, bool) {
	if d.newest != nil {
		if n := d.newest(); n.Before(to) {
			to = n
		}
	}
	loc := from.Location()
	n := to.Add(-d.lag).In(loc)
	end := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	if !end.After(from) || !end.Truncate(checkStep).Equal(end) || !from.Truncate(checkStep).Equal(from) {
		return time.Time{}, false
	}
	return end, true
}

// get returns the tenant's kept runs of [from, keptEnd), keptEnd ≤ end;
// keptEnd is from when there are none.
func (d *ClosedDays) get(tenant string, born, from, end time.Time) ([]hostRun, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[tenant]
	if e == nil || !e.born.Equal(born) || e.from != from.UnixMilli() || e.end > end.UnixMilli() {
		return nil, from
	}
	d.tick++
	e.used = d.tick
	return e.runs, time.UnixMilli(e.end)
}

// put keeps kept and more as the tenant's runs of [from, end) and returns
// them. A run that ends at kept's end and one of more that starts there
// stay two: the availability merges them.
func (d *ClosedDays) put(tenant string, born, from, end time.Time, kept, more []hostRun) []hostRun {
	runs := keepRuns(kept, more)
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.entries[tenant]; e != nil {
		// The open days kept begin where the closed days ended: they go.
		d.held -= e.held()
		delete(d.entries, tenant)
	}
	if len(runs) > d.maxRuns {
		return runs // too many to keep: used for this view only
	}
	for d.held+len(runs) > d.maxRuns {
		d.evict()
	}
	d.tick++
	d.entries[tenant] = &closedEntry{born: born, from: from.UnixMilli(), end: end.UnixMilli(), runs: runs, used: d.tick}
	d.held += len(runs)
	return runs
}

// keepRuns is kept and more in a new slice, more's host names copied.
func keepRuns(kept, more []hostRun) []hostRun {
	runs := make([]hostRun, 0, len(kept)+len(more))
	runs = append(runs, kept...)
	names := map[string]string{}
	for _, r := range more {
		// A label's value shares the memory of all the series' labels:
		// keep a copy of the host's name, once per host.
		h, ok := names[r.host]
		if !ok {
			h = strings.Clone(r.host)
			names[r.host] = h
		}
		runs = append(runs, hostRun{host: h, start: r.start, end: r.end})
	}
	return runs
}

// evict drops the least recently used entry.
func (d *ClosedDays) evict() { d.evictOther("") }

// evictOther drops the least recently used entry other than tenant's and
// says whether there was one.
func (d *ClosedDays) evictOther(tenant string) bool {
	var oldest string
	var used uint64
	for t, e := range d.entries {
		if t != tenant && (oldest == "" || e.used < used) {
			oldest, used = t, e.used
		}
	}
	if oldest == "" {
		return false
	}
	d.held -= d.entries[oldest].held()
	delete(d.entries, oldest)
	return true
}
