package report

import (
	"context"
	"time"

	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/sla"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// The report's sources over the other domains' stores, and the report's
// rules on them: an alert counts in the period it fired in, an incident's
// or request's SLA result is its resolve clock's, and only a maintenance
// window of a whole service or tenant takes time out of a service's
// measured availability. The server's wiring passes the stores along.

// Directory reads tenants, their services and their hosts; *storage.Store is one.
type Directory interface {
	TenantSource
	ResourceLister
}

// Stores are the stores a report reads besides the TSDB.
type Stores struct {
	Tenants     Directory
	Alerts      *alert.Store
	Desk        *incident.Desk
	Work        *workreport.Store
	Maintenance *maintenance.Store
	Backups     *backup.Store
	// Improvements is the improvement register; nil leaves the section
	// 改善提案 out.
	Improvements *improvement.Store
}

// SourcesOf reads the TSDB metrics (through its chunk view when it has
// one: it skips the sample iterators' merge layers; the report adds the
// tenant matcher to every select itself) and the stores in st.
func SourcesOf(metrics TenantQueryable, queryable storage.Queryable, st Stores) Sources {
	chunks, _ := queryable.(storage.ChunkQueryable)
	tsdb := TSDB{Store: metrics, Chunks: chunks}
	src := Sources{
		Tenants:     st.Tenants,
		Metrics:     tsdb,
		Downtime:    CheckDowntime{Metrics: tsdb, Resources: st.Tenants},
		Alerts:      alertSource{st.Alerts},
		Incidents:   incidentSource{st.Desk, st.Tenants},
		Requests:    requestSource{st.Desk},
		Work:        workSource{st.Work},
		Maintenance: maintenanceSource{st.Maintenance, st.Tenants},
		Backups:     backupSources(st),
	}
	if st.Improvements != nil {
		src.Improvements = improvementSource{st.Improvements}
	}
	if st.Desk != nil {
		src.Vendors = vendorSource{st.Desk}
	}
	return src
}

// alertSource adapts the alert store to the report's AlertSource.
type alertSource struct{ store *alert.Store }

func (a alertSource) Alerts(ctx context.Context, tenant string, from, to time.Time) ([]AlertRecord, error) {
	as, err := a.store.List(ctx, tenant, alert.Filter{From: from, To: to, Limit: 100_000})
	if err != nil {
		return nil, err
	}
	out := make([]AlertRecord, 0, len(as))
	for _, x := range as {
		if x.FiredAt == nil || x.FiredAt.Before(from) || !x.FiredAt.Before(to) {
			continue // counted in the period it fired in
		}
		item := x.Labels["item"]
		if item == "" {
			item = x.Title.In("ja")
		}
		out = append(out, AlertRecord{Item: item, Host: x.Resource, Severity: string(x.Severity), Title: Bilingual{Ja: x.Title.Ja, En: x.Title.En},
			FiredAt: *x.FiredAt, Resolved: x.ResolvedAt})
	}
	return out, nil
}

// serviceNames maps tenant's service IDs to names.
func serviceNames(ctx context.Context, store TenantSource, tenant string) (map[int64]string, error) {
	svcs, err := store.Services(ctx, tenant)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(svcs))
	for _, s := range svcs {
		m[s.ID] = s.Name
	}
	return m, nil
}

// incidentSource adapts the incident desk: the SLA result is the resolve
// clock's, met unless it breached.
type incidentSource struct {
	store    *incident.Desk
	services TenantSource
}

func (s incidentSource) Incidents(ctx context.Context, tenant string, from, to time.Time) ([]IncidentRecord, error) {
	list, err := s.store.Incidents(ctx, tenant, incident.Filter{From: from, To: to, Limit: 10_000})
	if err != nil {
		return nil, err
	}
	names, err := serviceNames(ctx, s.services, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]IncidentRecord, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- { // oldest first, as the report reads
		inc := list[i]
		rec := IncidentRecord{ID: inc.Number, Title: inc.ShortDescription, Service: names[inc.ServiceID],
			Severity: inc.PriorityName, Priority: inc.Priority, OpenedAt: inc.OpenedAt, ResolvedAt: inc.ResolvedAt}
		if ja, en := inc.Title("ja"), inc.Title("en"); ja != en {
			rec.Titles = Bilingual{Ja: ja, En: en}
		}
		res, err := resolveClock(ctx, s.store, inc, to)
		if err != nil {
			return nil, err
		}
		rec.SLAMet, rec.SLAOpen, rec.SLAUsed = res.met, res.open, res.used
		out = append(out, rec)
	}
	return out, nil
}

// slaResult is an incident's resolve clock at the end of a period.
type slaResult struct {
	met  *bool // nil without a target or while open
	open bool  // running (or paused) and not breached
	used float64
}

// resolveClock reads the resolve clock as of the period's end, or now for
// a period that has not ended: a clock evaluated at a future instant would
// count time that has not passed and call a running clock breached. A
// breached clock is missed; a stopped one within its target is met; one
// still running within its target is open, neither met nor missed.
func resolveClock(ctx context.Context, desk *incident.Desk, inc *incident.Incident, to time.Time) (slaResult, error) {
	at := to
	if now := time.Now(); now.Before(at) {
		at = now
	}
	clocks, err := desk.Clocks(ctx, inc, at)
	if err != nil {
		return slaResult{}, err
	}
	var res slaResult
	for _, c := range clocks {
		if c.Clock != incident.ClockResolve || c.Target <= 0 {
			continue
		}
		res.used = float64(c.Elapsed) / float64(c.Target)
		switch {
		case c.BreachedAt != nil:
			res.met = new(bool)
		case c.State == sla.StateRunning || c.State == sla.StatePaused:
			res.open = true
		default:
			met := true
			res.met = &met
		}
	}
	return res, nil
}

// requestSource adapts inquiries and catalog requests: their SLA result is
// the resolve clock's, where the service sets one.
type requestSource struct{ store *incident.Desk }

func (s requestSource) Requests(ctx context.Context, tenant string, from, to time.Time) ([]RequestRecord, error) {
	list, err := s.store.Incidents(ctx, tenant, incident.Filter{Kinds: []incident.Kind{incident.KindInquiry, incident.KindRequest}, From: from, To: to, Limit: 10_000})
	if err != nil {
		return nil, err
	}
	out := make([]RequestRecord, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		r := list[i]
		rec := RequestRecord{ID: r.Number, Title: r.ShortDescription, OpenedAt: r.OpenedAt, ClosedAt: r.ResolvedAt}
		res, err := resolveClock(ctx, s.store, r, to)
		if err != nil {
			return nil, err
		}
		rec.SLAMet, rec.SLAOpen = res.met, res.open
		out = append(out, rec)
	}
	return out, nil
}

// vendorSource adapts the desk's vendor cases.
type vendorSource struct{ desk *incident.Desk }

func (s vendorSource) VendorWaits(ctx context.Context, tenant string, from, to time.Time) ([]VendorRecord, error) {
	list, err := s.desk.VendorWaitsIn(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]VendorRecord, len(list))
	for i, v := range list {
		out[i] = VendorRecord{Vendor: v.Vendor, Cases: v.Cases, Waiting: v.Waiting}
	}
	return out, nil
}

// workSource adapts the work reports (作業報告).
type workSource struct{ store *workreport.Store }

func (s workSource) WorkReports(ctx context.Context, tenant string, from, to time.Time) ([]WorkRecord, error) {
	list, err := s.store.List(ctx, tenant, workreport.Filter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := make([]WorkRecord, 0, len(list))
	for _, w := range list {
		out = append(out, WorkRecord{Title: w.Subject, Start: w.StartedAt, End: w.EndedAt, Summary: w.Detail})
	}
	return out, nil
}

// maintenanceSource adapts the maintenance windows that cover a whole
// service or the whole tenant; a window of one host or of labels does not
// take a service out of its measured time.
type maintenanceSource struct {
	store    *maintenance.Store
	services TenantSource
}

func (s maintenanceSource) Windows(ctx context.Context, tenant string, from, to time.Time) ([]Interval, error) {
	list, err := s.store.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	names, err := serviceNames(ctx, s.services, tenant)
	if err != nil {
		return nil, err
	}
	return windowIntervals(list, names, from, to), nil
}

// EveryTenantsWindows is every tenant's windows, read at once: for the
// MSP's board only (maintenance.Store.EveryTenantsWindows).
func (s maintenanceSource) EveryTenantsWindows(ctx context.Context) (map[string][]*maintenance.Stored, error) {
	return s.store.EveryTenantsWindows(ctx)
}

// windowIntervals are the occurrences in [from, to) of the windows of list
// that cover a whole service (named by names) or the whole tenant.
func windowIntervals(list []*maintenance.Stored, names map[int64]string, from, to time.Time) []Interval {
	var out []Interval
	for _, w := range list {
		if w.ResourceID != nil || len(w.Labels) > 0 {
			continue
		}
		svc := ""
		if w.ServiceID != nil {
			svc = names[*w.ServiceID]
		}
		for _, iv := range w.Occurrences(from, to) {
			out = append(out, Interval{Service: svc, Start: iv.Start, End: iv.End})
		}
	}
	return out
}
