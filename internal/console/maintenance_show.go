package console

import (
	"net/http"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// maintenanceAhead is how far the calendar lists occurrences.
const maintenanceAhead = 28 * 24 * time.Hour

// maintenanceData is the calendar: the windows of the tenants in scope and
// their occurrences in the coming weeks, in the user's zone.
type maintenanceData struct {
	Scope       *listScope
	Windows     []windowRow
	Occurrences []occurrence
	Failed      []string
	CanEdit     bool
	Resources   []*model.Resource // the tenant's, for the create form
	Services    []*model.Service
	Weekdays    []string
	Until       time.Time
	Form        windowForm // what was typed, shown again when refused
}

// windowRow is one stored window.
type windowRow struct {
	Tenant *model.Tenant
	W      *maintenance.Stored
	Next   *maintenance.Interval
}

// occurrence is one coming occurrence of a window.
type occurrence struct {
	Tenant *model.Tenant
	W      *maintenance.Stored
	maintenance.Interval
}

func (c *Console) showMaintenance(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderMaintenance(w, r, p, http.StatusOK, windowForm{})
}

func (c *Console) renderMaintenance(w http.ResponseWriter, r *http.Request, p *page, status int, form windowForm) error {
	sc, err := c.listScope(r, p, "maintenance")
	if err != nil {
		return err
	}
	now := c.now()
	d := &maintenanceData{Scope: sc, Weekdays: weekdays, Until: now.Add(maintenanceAhead), Form: form,
		CanEdit: sc.Only != "" && r.PathValue("tenant") != "" && p.P.Can(model.ScopeWrite)}
	if d.Form.TimeZone == "" {
		d.Form.TimeZone = p.User.TimeZone
	}
	for _, t := range sc.Tenants {
		list, err := c.opts.Maintenance.List(r.Context(), t.ID)
		if err != nil {
			c.logger.Warn("console: maintenance windows", "tenant", t.ID, "err", err)
			d.Failed = append(d.Failed, t.ID)
			continue
		}
		for _, mw := range list {
			row := windowRow{Tenant: t, W: mw}
			if sched, err := mw.Window.Compile(); err == nil {
				occ := sched.Occurrences(now, d.Until)
				for _, iv := range occ {
					d.Occurrences = append(d.Occurrences, occurrence{Tenant: t, W: mw, Interval: iv})
				}
				if len(occ) > 0 {
					row.Next = &occ[0]
				}
			}
			d.Windows = append(d.Windows, row)
		}
	}
	sort.SliceStable(d.Occurrences, func(i, j int) bool { return d.Occurrences[i].Start.Before(d.Occurrences[j].Start) })
	if d.CanEdit {
		if d.Resources, err = c.opts.Store.Resources(r.Context(), sc.Only, storage.ResourceFilter{}); err != nil {
			return err
		}
		if d.Services, err = c.opts.Store.Services(r.Context(), sc.Only); err != nil {
			return err
		}
	}
	p.Active, p.Title, p.Data = "nav.maintenance", p.L.T("mnt.title"), d
	c.render(w, status, "maintenance", p)
	return nil
}
