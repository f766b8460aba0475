package report

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ResourceLister lists a tenant's resources; storage.(*Store) is one.
type ResourceLister interface {
	Resources(ctx context.Context, tenant string, f storage.ResourceFilter) ([]*model.Resource, error)
	Services(ctx context.Context, tenant string) ([]*model.Service, error)
}

// CheckDowntime is the DowntimeSource of the agent's synthetic checks: a
// service is down for each minute in which a check on one of its hosts
// reported unyo_check_up 0. A minute without a sample is not downtime: the
// report cannot tell an outage from a silent agent.
type CheckDowntime struct {
	Metrics   Metrics
	Resources ResourceLister
	// closed, when set, keeps the closed days' runs of the tenant created
	// at born (Generator.Availability sets them for the board).
	closed *ClosedDays
	born   time.Time
	// known, when set, has the tenant's services and resources.
	known *Known
}

// checkStep is the resolution of downtime: checks run every minute or less.
const checkStep = time.Minute

// Downtime implements DowntimeSource.
func (c CheckDowntime) Downtime(ctx context.Context, tenant string, from, to time.Time) ([]Interval, error) {
	res, svcs, err := c.objects(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("report: downtime: %w", err)
	}
	names := map[int64]string{}
	for _, s := range svcs {
		names[s.ID] = s.Name
	}
	serviceOf := map[string]string{} // host → service
	for _, r := range res {
		if r.ServiceID != nil && names[*r.ServiceID] != "" {
			serviceOf[r.Name] = names[*r.ServiceID]
		}
	}
	fetch := func(ctx context.Context, from, to time.Time) ([]hostRun, error) {
		return c.hostRuns(ctx, tenant, from, to)
	}
	var rs []hostRun
	if c.closed != nil {
		rs, err = c.closed.runs(ctx, tenant, c.born, from, to, fetch)
	} else {
		rs, err = fetch(ctx, from, to)
	}
	if err != nil {
		return nil, fmt.Errorf("report: downtime: %w", err)
	}
	loc := from.Location()
	var out []Interval
	for _, r := range rs {
		if svc := serviceOf[r.host]; svc != "" {
			out = append(out, Interval{Service: svc, Start: time.UnixMilli(r.start).In(loc), End: time.UnixMilli(r.end).In(loc)})
		}
	}
	return out, nil
}

// hostRuns are the runs of failed check minutes of [from, to), by host.
func (c CheckDowntime) hostRuns(ctx context.Context, tenant string, from, to time.Time) ([]hostRun, error) {
	q := StepQuery{Name: "unyo_check_up", From: from.Truncate(checkStep), To: to, Step: checkStep}
	rs, err := c.downRuns(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	out := make([]hostRun, len(rs))
	for i, r := range rs {
		out[i] = hostRun{host: r.Labels.Get("host"), start: q.From.Add(time.Duration(r.Start) * checkStep).UnixMilli(), end: q.From.Add(time.Duration(r.End) * checkStep).UnixMilli()}
	}
	return out, nil
}

// down is a failed check's value.
func down(v float64) bool { return v == 0 }

// downRuns are the runs of steps whose check failed, through the metrics'
// RunFinder when they have one (the TSDB), else from all the steps.
func (c CheckDowntime) downRuns(ctx context.Context, tenant string, q StepQuery) ([]StepRun, error) {
	if rf, ok := c.Metrics.(RunFinder); ok {
		return rf.Runs(ctx, tenant, q, down)
	}
	ss, err := c.Metrics.Steps(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	var out []StepRun
	for _, s := range ss {
		out = append(out, runsOf(s.Labels, s.Values, down)...)
	}
	return out, nil
}

// objects are the tenant's resources and services, known's when set.
func (c CheckDowntime) objects(ctx context.Context, tenant string) ([]*model.Resource, []*model.Service, error) {
	if c.known != nil {
		return c.known.Resources, c.known.Services, nil
	}
	res, err := c.Resources.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, nil, err
	}
	svcs, err := c.Resources.Services(ctx, tenant)
	return res, svcs, err
}
