package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// A per-service report is the tenant's report seen through one service: its
// availability, the hosts registered under it (their performance, web
// access, alerts and certificates), its incidents and its backup policies.
// Requests and work reports have no service and stay the tenant's; the
// capacity groups' operation results are left out.

// GenerateService gathers the report of one service of tenant for [from,
// to); service "" is the whole tenant's report.
func (g *Generator) GenerateService(ctx context.Context, tenant, service string, from, to time.Time) (*Report, error) {
	if service == "" {
		return g.Generate(ctx, tenant, from, to)
	}
	src, err := g.scoped(ctx, tenant, service)
	if err != nil {
		return nil, err
	}
	sg := &Generator{src: src, logger: g.logger, now: g.now}
	r, err := sg.Generate(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	r.Service = service
	return r, nil
}

// scoped is g's sources narrowed to service and the hosts under it.
func (g *Generator) scoped(ctx context.Context, tenant, service string) (Sources, error) {
	svcs, err := g.src.Tenants.Services(ctx, tenant)
	if err != nil {
		return Sources{}, fmt.Errorf("report: services of %q: %w", tenant, err)
	}
	i := slices.IndexFunc(svcs, func(s *model.Service) bool { return s.Name == service })
	if i < 0 {
		return Sources{}, invalid.New("service", "tenant %s has no service %q", tenant, service)
	}
	svc := svcs[i]
	hosts := map[string]bool{}
	if rl, ok := g.src.Tenants.(ResourceLister); ok {
		res, err := rl.Resources(ctx, tenant, storage.ResourceFilter{})
		if err != nil {
			return Sources{}, fmt.Errorf("report: resources of %q: %w", tenant, err)
		}
		for _, r := range res {
			if r.ServiceID != nil && *r.ServiceID == svc.ID {
				hosts[r.Name] = true
			}
		}
	}
	src := g.src
	src.Tenants = oneService{g.src.Tenants, svc}
	src.Metrics = hostMetrics{g.src.Metrics, hosts}
	src.Operations = nil
	if src.Alerts != nil {
		src.Alerts = hostAlerts{src.Alerts, hosts}
	}
	if src.Incidents != nil {
		src.Incidents = serviceIncidents{src.Incidents, service}
	}
	if src.Backups != nil {
		src.Backups = serviceBackups{src.Backups, service}
	}
	return src, nil
}

// oneService is a TenantSource that lists one service.
type oneService struct {
	TenantSource
	svc *model.Service
}

func (o oneService) Services(context.Context, string) ([]*model.Service, error) {
	return []*model.Service{o.svc}, nil
}

// hostMetrics keeps the series of the service's hosts.
type hostMetrics struct {
	Metrics
	hosts map[string]bool
}

func (m hostMetrics) Steps(ctx context.Context, tenant string, q StepQuery) ([]StepSeries, error) {
	ss, err := m.Metrics.Steps(ctx, tenant, q)
	return slices.DeleteFunc(ss, func(s StepSeries) bool { return !m.hosts[s.Labels.Get("host")] }), err
}

// hostAlerts keeps the alerts of the service's hosts.
type hostAlerts struct {
	AlertSource
	hosts map[string]bool
}

func (a hostAlerts) Alerts(ctx context.Context, tenant string, from, to time.Time) ([]AlertRecord, error) {
	as, err := a.AlertSource.Alerts(ctx, tenant, from, to)
	return slices.DeleteFunc(as, func(x AlertRecord) bool { return !a.hosts[x.Host] }), err
}

// serviceIncidents keeps the service's incidents.
type serviceIncidents struct {
	IncidentSource
	service string
}

func (s serviceIncidents) Incidents(ctx context.Context, tenant string, from, to time.Time) ([]IncidentRecord, error) {
	list, err := s.IncidentSource.Incidents(ctx, tenant, from, to)
	return slices.DeleteFunc(list, func(x IncidentRecord) bool { return x.Service != s.service }), err
}

// serviceBackups keeps the service's backup policies.
type serviceBackups struct {
	BackupSource
	service string
}

func (s serviceBackups) Backups(ctx context.Context, tenant string, from, to time.Time) ([]BackupRecord, error) {
	list, err := s.BackupSource.Backups(ctx, tenant, from, to)
	return slices.DeleteFunc(list, func(x BackupRecord) bool { return x.Service != s.service }), err
}
