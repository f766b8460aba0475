package console

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// severities are shown on the board in this order.
var severities = []string{"critical", "warning", "info"}

// boardData is every tenant's health at a glance.
type boardData struct {
	Rows           []boardRow
	AlertsWired    bool
	IncidentsWired bool
	AvailWired     bool
	BackupsWired   bool
	Severities     []string
	// AlertPages and IncidentPages say the console serves those lists, so
	// the counts link to them.
	AlertPages    bool
	IncidentPages bool
	// Todo is, for a customer's user, what awaits the customer's approval.
	Todo *portalTodo
	// Customer is the one customer a customer's user sees, "" for the MSP.
	Customer string
	Updated  time.Time
}

// boardRow is one tenant on the board.
type boardRow struct {
	Tenant    *model.Tenant
	Services  int
	Resources int
	Kinds     []kindCount
	// Alerts is nil when the count could not be had; AlertsFailed says the
	// source is wired but did not answer.
	Alerts          map[string]int
	AlertsFailed    bool
	Incidents       []OpenIncident
	IncidentsFailed bool
	// Availability is each service's this month, in the tenant's time zone.
	Availability []report.Availability
	AvailFailed  bool
	// Backups counts the tenant's backup policies at risk; nil when not
	// wired or not answered (BackupsFailed).
	Backups       *backupTile
	BackupsFailed bool
	// Health is the tenant's open cloud health events (Azure Resource and
	// Service Health, AWS Health), shown as a banner while they last.
	Health []discovery.HealthNotice
}

// kindCount is how many resources of one kind a tenant has.
type kindCount struct {
	Kind  string
	Count int
}

func (c *Console) showBoard(w http.ResponseWriter, r *http.Request, p *page) error {
	data, err := c.board(r.Context(), p.P.Tenant)
	if err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.board", p.L.T("board.title"), data
	if p.P.Customer() {
		// The portal: the customer's own name, never "every customer".
		if len(data.Rows) == 1 {
			data.Customer = data.Rows[0].Tenant.Name
			p.Title = p.L.T("ptl.board_title", data.Customer)
		}
		if p.P.Requests(p.P.Tenant) { // a viewer only reads: nothing awaits it
			if data.Todo, err = c.todo(r.Context(), p.P.Tenant); err != nil {
				return err
			}
		}
	}
	data.Updated = c.now()
	p.Wall = r.URL.Query().Get("wall") == "1"
	c.render(w, http.StatusOK, "board", p)
	return nil
}

// board gathers the rows of the tenants the caller sees ("" = all).
func (c *Console) board(ctx context.Context, only string) (*boardData, error) {
	tenants, err := c.opts.Store.Tenants(ctx, only)
	if err != nil {
		return nil, err
	}
	d := &boardData{AlertsWired: c.opts.Alerts != nil, IncidentsWired: c.opts.Incidents != nil, AvailWired: c.opts.Availability != nil, BackupsWired: c.opts.Backups != nil, Severities: severities,
		AlertPages: c.opts.AlertDesk != nil, IncidentPages: c.opts.IncidentDesk != nil}
	var all *everyTenant
	if only == "" { // every customer: one query each for all of them
		if all, err = c.readEveryTenant(ctx, tenants); err != nil {
			return nil, err
		}
	}
	for _, t := range tenants {
		row, err := c.boardRow(ctx, t, all)
		if err != nil {
			return nil, err
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// boardRow is tenant t's row; all, when set, has read part of it.
func (c *Console) boardRow(ctx context.Context, t *model.Tenant, all *everyTenant) (boardRow, error) {
	row := boardRow{Tenant: t}
	svcs, res, err := c.objects(ctx, t.ID, all)
	if err != nil {
		return row, err
	}
	row.Services, row.Resources, row.Kinds = len(svcs), len(res), countKinds(res)
	// A failing source must not take the whole board down: the row says
	// "unavailable" for that column and the rest still shows.
	if c.opts.Alerts != nil {
		var ok bool
		if row.Alerts, ok = c.firing(ctx, t.ID, all); !ok {
			row.Alerts, row.AlertsFailed = nil, true
		}
	}
	if c.opts.Incidents != nil {
		if row.Incidents, err = c.openIncidents(ctx, t.ID, all); err != nil {
			c.logger.Warn("console: open incidents", "tenant", t.ID, "err", err)
			row.Incidents, row.IncidentsFailed = nil, true
		}
	}
	if c.opts.Backups != nil {
		if row.Backups, err = c.backups(ctx, t.ID, all); err != nil {
			c.logger.Warn("console: backup compliance", "tenant", t.ID, "err", err)
			row.Backups, row.BackupsFailed = nil, true
		}
	}
	if c.opts.Discovery != nil {
		if row.Health, err = c.health(ctx, t.ID, all); err != nil {
			c.logger.Warn("console: cloud health events", "tenant", t.ID, "err", err)
			row.Health = nil
		}
	}
	if c.opts.Availability != nil && len(svcs) > 0 {
		from, to := monthSoFar(c.now(), t.TimeZone)
		if row.Availability, err = c.opts.Availability.AvailabilityOf(ctx, known(t, svcs, res, all), from, to); err != nil {
			c.logger.Warn("console: availability", "tenant", t.ID, "err", err)
			row.Availability, row.AvailFailed = nil, true
		}
	}
	return row, nil
}

// monthSoFar is the start of now's month in the tenant's time zone, and now.
func monthSoFar(now time.Time, zone string) (time.Time, time.Time) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	n := now.In(loc)
	return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc), now
}

func countKinds(res []*model.Resource) []kindCount {
	m := map[string]int{}
	for _, r := range res {
		m[r.Kind]++
	}
	out := make([]kindCount, 0, len(m))
	for k, n := range m {
		out = append(out, kindCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}
