package report

import (
	"context"
	"math/rand/v2"
	"time"
)

// Defaults of KeepOpenDays: what the server's board uses.
const (
	// DefaultOpenSettle is how far behind the view a check minute is kept
	// rather than read again: an agent's samples come within seconds, its
	// remote write's retries within a minute or two.
	DefaultOpenSettle = 5 * time.Minute
	// DefaultOpenRefresh bounds how long a late sample older than the
	// settle takes to show: the open days are read afresh after it.
	DefaultOpenRefresh = 5 * time.Minute
)

// openPart is a tenant's kept runs of the open days [from, end), Unix
// milliseconds, read afresh at a view that ends at or after refresh.
type openPart struct {
	from, end, refresh int64
	runs               []hostRun
}

// KeepOpenDays makes d keep the open days' runs as well, up to settle
// before the view's end (or the TSDB's newest sample, when older), so that
// a view reads from the TSDB only the last settle and what came since the
// view before. The TSDB still takes samples of the open days, late ones
// from an agent that could not send for a while, so they are read afresh
// from their start at least every refresh (a tenant's between refresh/2
// and refresh after its last full read, so that the tenants' full reads
// spread over the views): a sample that comes more than settle late shows
// on the board at most refresh later (DefaultOpenRefresh when not
// positive). Zero settle reads the open days at every view.
func (d *ClosedDays) KeepOpenDays(settle, refresh time.Duration) {
	if refresh <= 0 {
		refresh = DefaultOpenRefresh
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.settle, d.refresh = settle, refresh
}

// openRuns are the runs of the open days [end, to): the kept ones, what
// settled since they were read, and the last settle read afresh.
func (d *ClosedDays) openRuns(ctx context.Context, tenant string, born, from, end, to time.Time, fetch fetchRuns) ([]hostRun, error) {
	settled, ok := d.settledEnd(end, to)
	if !ok {
		return fetch(ctx, end, to)
	}
	kept, keptEnd := d.getOpen(tenant, born, from, end, settled, to)
	if keptEnd.Before(settled) {
		more, err := fetch(ctx, keptEnd, settled)
		if err != nil {
			return nil, err
		}
		kept = d.putOpen(tenant, born, from, end, settled, to, !keptEnd.After(end), kept, more)
	}
	edge, err := fetch(ctx, settled, to)
	if err != nil {
		return nil, err
	}
	out := make([]hostRun, 0, len(kept)+len(edge))
	return append(append(out, kept...), edge...), nil
}

// settledEnd is the whole minute settle before to (or the TSDB's newest
// sample, when older); ok is false when open days are not kept or that is
// not after end.
func (d *ClosedDays) settledEnd(end, to time.Time) (time.Time, bool) {
	d.mu.Lock()
	settle := d.settle
	d.mu.Unlock()
	if settle <= 0 {
		return time.Time{}, false
	}
	if d.newest != nil {
		if n := d.newest(); n.Before(to) {
			to = n
		}
	}
	s := to.Add(-settle).Truncate(checkStep)
	return s, s.After(end)
}

// getOpen returns the tenant's kept runs of the open days from end, up to
// keptEnd ≤ settled; keptEnd is end when there are none or they are due
// to be read afresh at a view ending at to.
func (d *ClosedDays) getOpen(tenant string, born, from, end, settled, to time.Time) ([]hostRun, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[tenant]
	if e == nil || !e.born.Equal(born) || e.from != from.UnixMilli() || e.open == nil {
		return nil, end
	}
	o := e.open
	if o.from != end.UnixMilli() || o.end > settled.UnixMilli() || to.UnixMilli() >= o.refresh {
		return nil, end
	}
	d.tick++
	e.used = d.tick
	return o.runs, time.UnixMilli(o.end)
}

// putOpen keeps kept and more as the tenant's runs of the open days
// [end, settled) and returns them; full says they were all read at the
// view ending at to, which sets when they are next read afresh.
func (d *ClosedDays) putOpen(tenant string, born, from, end, settled, to time.Time, full bool, kept, more []hostRun) []hostRun {
	runs := keepRuns(kept, more)
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[tenant]
	if e == nil || !e.born.Equal(born) || e.from != from.UnixMilli() {
		// No closed days kept (none yet, or too many runs): an entry of
		// the open days alone.
		if e != nil {
			d.held -= e.held()
		}
		e = &closedEntry{born: born, from: from.UnixMilli(), end: from.UnixMilli()}
		d.entries[tenant] = e
	}
	var refresh int64
	switch {
	case !full && e.open != nil:
		refresh = e.open.refresh
	case full:
		half := d.refresh.Milliseconds() / 2
		refresh = to.UnixMilli() + half + rand.Int64N(half+1)
	default: // the kept part went while the rest was read: read it all next time
		refresh = to.UnixMilli()
	}
	if e.open != nil {
		d.held -= len(e.open.runs)
		e.open = nil
	}
	d.tick++
	e.used = d.tick
	for d.held+len(runs) > d.maxRuns && d.evictOther(tenant) {
	}
	if d.held+len(runs) > d.maxRuns {
		return runs // too many to keep: used for this view only
	}
	e.open = &openPart{from: end.UnixMilli(), end: settled.UnixMilli(), refresh: refresh, runs: runs}
	d.held += len(runs)
	return runs
}
