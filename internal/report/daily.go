package report

import (
	"context"
	"fmt"
	"time"
)

// Day is one service's availability over one day of its tenant's zone.
// NoData marks a day before the service existed.
type Day struct {
	Date    string  `json:"date"` // YYYY-MM-DD in the tenant's zone
	Percent float64 `json:"percent"`
	NoData  bool    `json:"no_data,omitempty"`
}

// ServiceDays is a service's availability day by day, and whether it is
// down now (its checks failed in the last minutes).
type ServiceDays struct {
	Service string  `json:"service"`
	ID      int64   `json:"-"`
	Percent float64 `json:"percent"` // over the whole span
	Days    []Day   `json:"days"`
	DownNow bool    `json:"down_now"`
}

// Daily is each service of tenant day by day over the days days that end
// with the day of to in loc, to itself the end of the last one: the public
// status page's bars. The downtime and the windows are read once for the
// whole span, and each day is counted as the report counts a month.
func (g *Generator) Daily(ctx context.Context, tenant string, to time.Time, days int, loc *time.Location) ([]ServiceDays, error) {
	svcs, err := g.src.Tenants.Services(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("report: daily availability: %w", err)
	}
	y, m, d := to.In(loc).Date()
	first := time.Date(y, m, d-days+1, 0, 0, 0, 0, loc)
	var down, maint []Interval
	if g.src.Downtime != nil {
		if down, err = g.src.Downtime.Downtime(ctx, tenant, first, to); err != nil {
			return nil, fmt.Errorf("report: daily availability: %w", err)
		}
	}
	if g.src.Maintenance != nil {
		if maint, err = g.src.Maintenance.Windows(ctx, tenant, first, to); err != nil {
			return nil, fmt.Errorf("report: daily availability: %w", err)
		}
	}
	out := make([]ServiceDays, 0, len(svcs))
	for _, s := range svcs {
		sched, err := s.Level.Calendar.Compile()
		if err != nil {
			sched = nil // as the report: a calendar it cannot use counts every hour
		}
		sd, mt := forService(down, s.Name), forService(maint, s.Name)
		row := ServiceDays{Service: s.Name, ID: s.ID, Percent: availability(sched, s.Name, first, to, sd, mt).Percent}
		for i := 0; i < days; i++ {
			start := time.Date(y, m, d-days+1+i, 0, 0, 0, 0, loc)
			end := time.Date(y, m, d-days+2+i, 0, 0, 0, 0, loc)
			if end.After(to) {
				end = to
			}
			day := Day{Date: start.Format(time.DateOnly), Percent: 100}
			if !s.CreatedAt.IsZero() && !end.After(s.CreatedAt) {
				day.NoData = true
			} else {
				day.Percent = availability(sched, s.Name, start, end, sd, mt).Percent
			}
			row.Days = append(row.Days, day)
		}
		for _, iv := range sd {
			if !iv.End.Before(to.Add(-2 * checkStep)) {
				row.DownNow = true
			}
		}
		out = append(out, row)
	}
	return out, nil
}
