package report

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Generator gathers reports from its sources.
type Generator struct {
	src    Sources
	logger *slog.Logger
	now    func() time.Time
	closed *ClosedDays // the board's closed days; nil: none kept
}

// NewGenerator returns a Generator over src; src.Tenants and src.Metrics
// are required.
func NewGenerator(src Sources, logger *slog.Logger) *Generator {
	if logger == nil {
		logger = slog.Default()
	}
	return &Generator{src: src, logger: logger, now: time.Now}
}

// Generate gathers the report of tenant for [from, to). The period before,
// of the same length, gives the trend. A source that fails or is missing
// leaves its section empty with a note; only a missing tenant fails.
func (g *Generator) Generate(ctx context.Context, tenant string, from, to time.Time) (*Report, error) {
	t, err := g.src.Tenants.Tenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("report: tenant %q: %w", tenant, err)
	}
	t.Normalize()
	r := &Report{
		Tenant: t.ID, TenantName: t.Name, Language: t.Language, TimeZone: t.TimeZone,
		From: from.UTC(), To: to.UTC(), PrevFrom: from.Add(-to.Sub(from)).UTC(),
		GeneratedAt: g.now().UTC(), Step: Duration(stepFor(to.Sub(from))), Notes: SectionNote{},
	}
	g.summary(ctx, r, g.src.Downtime, nil)
	g.hosts(ctx, r)
	g.web(ctx, r)
	g.alerts(ctx, r)
	g.responses(ctx, r)
	g.backups(ctx, r)
	g.operations(ctx, r)
	g.improvements(ctx, r)
	r.Findings = append(r.Findings, findings(r)...)
	r.Findings = append(r.Findings, backupFindings(r)...)
	r.Findings = append(r.Findings, g.tlsFindings(ctx, r)...)
	r.Capacity = capacity(r)
	return r, nil
}

// stepFor is the sampling step of the host figures: five minutes for a
// month (8,640 points per host), wider for longer periods so a query never
// returns more than about 9,000 points per series.
func stepFor(period time.Duration) time.Duration {
	step := 5 * time.Minute
	if s := (period / 9000).Truncate(time.Minute); s > step {
		step = s
	}
	return step
}

// note records why a section is empty and logs the cause when it is an error.
func (g *Generator) note(r *Report, section, key string, err error) {
	if err != nil {
		g.logger.Warn("report: section left empty", "tenant", r.Tenant, "section", section, "err", err)
	}
	if _, ok := r.Notes[section]; !ok {
		r.Notes[section] = key
	}
}

func (g *Generator) responses(ctx context.Context, r *Report) {
	s := &r.Summary
	if src := g.src.Incidents; src != nil {
		now, err1 := src.Incidents(ctx, r.Tenant, r.From, r.To)
		prev, err2 := src.Incidents(ctx, r.Tenant, r.PrevFrom, r.From)
		if err := firstErr(err1, err2); err != nil {
			g.note(r, "responses", "no.responses", err)
		}
		r.Responses.Incidents = now
		s.Incidents = Count{len(now), len(prev)}
		for _, in := range now {
			switch {
			case in.SLAOpen:
				s.IncidentsOpen++
			case in.SLAMet == nil:
			case *in.SLAMet:
				s.IncidentsMet++
			default:
				s.IncidentsMiss++
			}
		}
	}
	if src := g.src.Requests; src != nil {
		now, err1 := src.Requests(ctx, r.Tenant, r.From, r.To)
		prev, err2 := src.Requests(ctx, r.Tenant, r.PrevFrom, r.From)
		if err := firstErr(err1, err2); err != nil {
			g.note(r, "responses", "no.responses", err)
		}
		r.Responses.Requests = now
		s.Requests = Count{len(now), len(prev)}
	}
	if src := g.src.Work; src != nil {
		now, err1 := src.WorkReports(ctx, r.Tenant, r.From, r.To)
		prev, err2 := src.WorkReports(ctx, r.Tenant, r.PrevFrom, r.From)
		if err := firstErr(err1, err2); err != nil {
			g.note(r, "responses", "no.responses", err)
		}
		r.Responses.Work = now
		s.WorkReports = Count{len(now), len(prev)}
	}
	if src := g.src.Vendors; src != nil {
		now, err := src.VendorWaits(ctx, r.Tenant, r.From, r.To)
		if err != nil {
			g.note(r, "responses", "no.responses", err)
		}
		r.Responses.Vendors = now
	}
	if len(r.Responses.Incidents)+len(r.Responses.Requests)+len(r.Responses.Work)+len(r.Responses.Vendors) == 0 {
		g.note(r, "responses", "no.responses", nil)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// location is the tenant's zone, UTC when it cannot be loaded.
func (r *Report) location() *time.Location {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
