package yearplan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/report"
)

// Service makes yearly plans from its sources and renders them.
type Service struct {
	groups  Source
	load    LoadSource
	tenants report.TenantSource
	pdf     *report.PDF // nil: no PDF (the font is missing)
	logger  *slog.Logger
	now     func() time.Time
}

// NewService returns a Service over the capacity groups, their load and
// the tenants; pdf may be nil.
func NewService(groups Source, load LoadSource, tenants report.TenantSource, pdf *report.PDF, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{groups: groups, load: load, tenants: tenants, pdf: pdf, logger: logger, now: time.Now}
}

// WithClock makes s read the time from now: a plan made again for the
// moment it was first made (and tests of the packages that use it).
func (s *Service) WithClock(now func() time.Time) *Service {
	s.now = now
	return s
}

// Generate makes tenant's plan: the history is the last HistoryDays up to
// the current hour, the year the Months months from the first of the next
// month in the tenant's zone.
func (s *Service) Generate(ctx context.Context, tenant string, o Options) (*Plan, error) {
	t, err := s.tenants.Tenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("yearplan: tenant %q: %w", tenant, err)
	}
	t.Normalize()
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if o.Language == "" {
		o.Language = t.Language
	}
	if o.Target <= 0 {
		o.Target = DefaultTarget
	}
	now := s.now().In(loc)
	to := now.Truncate(time.Hour)
	from := to.AddDate(0, 0, -HistoryDays)
	yFrom := FirstMonth(now, loc)
	yTo := yFrom.AddDate(0, Months, 0)
	p := &Plan{Tenant: t.ID, TenantName: t.Name, Language: o.Language, TimeZone: loc.String(),
		HistoryFrom: from.UTC(), HistoryTo: to.UTC(), YearFrom: yFrom.UTC(), YearTo: yTo.UTC(),
		GeneratedAt: now.UTC(), Target: o.Target}
	groups, err := s.groups.Groups(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("yearplan: groups of %q: %w", tenant, err)
	}
	loads, err := s.load.Load(ctx, tenant, groups, from, to)
	if err != nil {
		return nil, fmt.Errorf("yearplan: load of %q: %w", tenant, err)
	}
	pl := planner{src: s.groups, tenant: tenant, loc: loc, from: from, to: to, yFrom: yFrom, yTo: yTo, opts: o}
	// The groups are independent: plan them on every core.
	p.Groups = make([]GroupPlan, len(groups))
	errs := make([]error, len(groups))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, g := range groups {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p.Groups[i], errs[i] = pl.group(ctx, g, loads[g.ID])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// FirstMonth is the first month a plan made at now plans: the first of
// the next month in loc (what an accept of that plan names).
func FirstMonth(now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	return time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, loc)
}

// HTML renders p as a standalone HTML page.
func HTML(p *Plan) ([]byte, error) { return report.RenderHTML(Layout(p)) }

// PDF renders p as an A4 PDF; ErrNoPDF when the server has no font.
func (s *Service) PDF(p *Plan) ([]byte, error) {
	if s.pdf == nil {
		return nil, ErrNoPDF
	}
	return s.pdf.RenderDocument(Layout(p))
}

// ErrNoPDF: the server runs without the PDF's font.
var ErrNoPDF = fmt.Errorf("yearplan: PDF is off: install the Debian package %s", report.FontPackage)
