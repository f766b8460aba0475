package report

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
)

// Availability returns the availability of each of tenant's services over
// [from, to), computed as the report's summary computes it (the console's
// board shows this month's). A missing source gives no figures, not an error.
func (g *Generator) Availability(ctx context.Context, tenant string, from, to time.Time) ([]Availability, error) {
	return g.availability(ctx, tenant, nil, from, to)
}

// Known is what a caller has already read of a tenant: AvailabilityOf
// does not read it again.
type Known struct {
	Tenant    *model.Tenant
	Services  []*model.Service
	Resources []*model.Resource
	// Windows are the tenant's maintenance windows as
	// maintenance.Store.List gives them, when WindowsRead; else the
	// generator reads them.
	Windows     []*maintenance.Stored
	WindowsRead bool
}

// EveryTenantsWindows is every tenant's maintenance windows read at once,
// for Known.Windows of the MSP's board; nil when the maintenance source
// cannot read many tenants at once.
func (g *Generator) EveryTenantsWindows(ctx context.Context) (map[string][]*maintenance.Stored, error) {
	if ew, ok := g.src.Maintenance.(interface {
		EveryTenantsWindows(ctx context.Context) (map[string][]*maintenance.Stored, error)
	}); ok {
		return ew.EveryTenantsWindows(ctx)
	}
	return nil, nil
}

// AvailabilityOf is Availability of k.Tenant, with its services and
// resources as k has them (the board reads them for its tiles).
func (g *Generator) AvailabilityOf(ctx context.Context, k Known, from, to time.Time) ([]Availability, error) {
	return g.availability(ctx, k.Tenant.ID, &k, from, to)
}

func (g *Generator) availability(ctx context.Context, tenant string, k *Known, from, to time.Time) ([]Availability, error) {
	r := &Report{Tenant: tenant, From: from, To: to, Notes: SectionNote{}}
	down := g.src.Downtime
	if cd, ok := down.(CheckDowntime); ok {
		cd.known = k
		// The closed days' runs are kept for the tenant as created: one
		// deleted and created again under the same ID reads its own.
		switch {
		case g.closed != nil && k != nil:
			cd.closed, cd.born = g.closed, k.Tenant.CreatedAt
		case g.closed != nil:
			if t, err := g.src.Tenants.Tenant(ctx, tenant); err == nil {
				cd.closed, cd.born = g.closed, t.CreatedAt
			}
		}
		down = cd
	}
	if err := g.summary(ctx, r, down, k); err != nil {
		return nil, err
	}
	return r.Summary.Services, nil
}

// KeepClosedDays makes Availability keep the closed days' runs of failed
// checks in d between calls (the board's views); nil reads every day each
// time. Reports do not use it.
func (g *Generator) KeepClosedDays(d *ClosedDays) { g.closed = d }

// summary fills the availability of each service: the downtime inside the
// period and the service's hours, less the maintenance windows, over the
// service hours of the period less the same windows. Windows and downtime
// of Service "" apply to every service. It returns the error that left the
// section empty, if one did (a report notes it and goes on; the board says
// the figures are unavailable). The services are k's when given.
func (g *Generator) summary(ctx context.Context, r *Report, downtime DowntimeSource, k *Known) error {
	var svcs []*model.Service
	var err error
	if k != nil {
		svcs = k.Services
	} else {
		svcs, err = g.src.Tenants.Services(ctx, r.Tenant)
	}
	if err != nil || len(svcs) == 0 {
		g.note(r, "summary", "no.services", err)
		return err
	}
	if downtime == nil {
		g.note(r, "summary", "no.downtime", nil)
		return nil
	}
	down, err := downtime.Downtime(ctx, r.Tenant, r.From, r.To)
	if err != nil {
		g.note(r, "summary", "no.downtime", err)
		return err
	}
	var maint []Interval
	switch {
	case g.src.Maintenance != nil && k != nil && k.WindowsRead:
		names := make(map[int64]string, len(svcs))
		for _, s := range svcs {
			names[s.ID] = s.Name
		}
		maint = windowIntervals(k.Windows, names, r.From, r.To)
	case g.src.Maintenance != nil:
		if maint, err = g.src.Maintenance.Windows(ctx, r.Tenant, r.From, r.To); err != nil {
			g.logger.Warn("report: maintenance windows not read; availability counts them as service time", "tenant", r.Tenant, "err", err)
		}
	}
	for _, s := range svcs {
		sched, err := s.Level.Calendar.Compile()
		if err != nil {
			g.logger.Warn("report: service calendar not usable; availability counts every hour", "tenant", r.Tenant, "service", s.Name, "err", err)
			sched = nil // a nil schedule is 24x7
		}
		a := availability(sched, s.Name, r.From, r.To, forService(down, s.Name), forService(maint, s.Name))
		a.Target = s.Level.AvailabilityTarget
		a.Met = a.Percent >= a.Target
		r.Summary.Services = append(r.Summary.Services, a)
	}
	return nil
}

func forService(ivs []Interval, name string) []Interval {
	var out []Interval
	for _, iv := range ivs {
		if iv.Service == "" || iv.Service == name {
			out = append(out, iv)
		}
	}
	return out
}

// availability computes one service's figure over [from, to), counting only
// the service hours of its calendar (sched; nil is around the clock).
func availability(sched *calendar.Schedule, name string, from, to time.Time, down, maint []Interval) Availability {
	maint = merge(clip(maint, from, to))
	down = subtract(merge(clip(down, from, to)), maint)
	service := sched.Elapsed(from, to) - sched.Overlap(spans(maint))
	lost := sched.Overlap(spans(down))
	pct := 100.0
	if service > 0 {
		pct = 100 * (1 - float64(lost)/float64(service))
	}
	return Availability{Service: name, Percent: math.Round(pct*1000) / 1000, Downtime: Duration(lost)}
}

func clip(ivs []Interval, from, to time.Time) []Interval {
	out := make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		if iv.Start.Before(from) {
			iv.Start = from
		}
		if iv.End.After(to) {
			iv.End = to
		}
		if iv.End.After(iv.Start) {
			out = append(out, iv)
		}
	}
	return out
}

// merge sorts ivs and joins the overlapping ones.
func merge(ivs []Interval) []Interval {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
	var out []Interval
	for _, iv := range ivs {
		if n := len(out); n > 0 && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// subtract removes the merged, sorted windows from the merged, sorted ivs.
func subtract(ivs, windows []Interval) []Interval {
	var out []Interval
	for _, iv := range ivs {
		parts := []Interval{iv}
		for _, w := range windows {
			var next []Interval
			for _, p := range parts {
				if !w.Start.Before(p.End) || !w.End.After(p.Start) {
					next = append(next, p)
					continue
				}
				if w.Start.After(p.Start) {
					next = append(next, Interval{p.Service, p.Start, w.Start})
				}
				if w.End.Before(p.End) {
					next = append(next, Interval{p.Service, w.End, p.End})
				}
			}
			parts = next
		}
		out = append(out, parts...)
	}
	return out
}

func spans(ivs []Interval) []calendar.Interval {
	out := make([]calendar.Interval, len(ivs))
	for i, iv := range ivs {
		out[i] = calendar.Interval{Start: iv.Start, End: iv.End}
	}
	return out
}
