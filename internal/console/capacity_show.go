package console

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// capacityListData is a tenant's capacity groups with what each runs now.
type capacityListData struct {
	Tenant  *model.Tenant
	Groups  []capacityRow
	Yearly  *yearlyLinks // nil: no yearly plan
	CanEdit bool         // MSP staff with write: may accept the yearly plan
}

type capacityRow struct {
	G      *capacity.Group
	Status *capacity.Status
}

// listCapacity shows a tenant's groups and their actuators' status.
func (c *Console) listCapacity(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	return c.renderCapacityList(w, r, p, t, http.StatusOK)
}

// renderCapacityList renders the groups page of t with status.
func (c *Console) renderCapacityList(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, status int) error {
	groups, err := c.opts.Capacity.Groups(r.Context(), t.ID)
	if err != nil {
		return err
	}
	d := &capacityListData{Tenant: t, Yearly: c.yearlyLinksOf(t), CanEdit: p.P.Staff()}
	for _, g := range groups {
		st, err := c.opts.Capacity.Status(r.Context(), g, c.now())
		if err != nil {
			return err
		}
		d.Groups = append(d.Groups, capacityRow{G: g, Status: st})
	}
	p.Title, p.Active, p.Data = p.L.T("cap.title")+" — "+t.Name, "nav.tenants", d
	c.render(w, status, "capacity", p)
	return nil
}

// capacityGroupData is one group's page: status, calendar, versions with
// their approval and diff, the editor, plan against actual and steps.
type capacityGroupData struct {
	Tenant       *model.Tenant
	G            *capacity.Group
	Status       *capacity.Status
	View         string // week or month
	From         time.Time
	Prev, Next   string // the calendar's neighbours, as ?start=
	Calendar     template.HTML
	Cal          *capacity.Calendar
	Versions     []*capacity.Version
	Diff         []capacity.Change
	DiffFrom     int
	DiffTo       int
	Draft        string       // the editor's JSON: the newest version's document
	CanEdit      bool         // MSP staff who may write
	Yearly       *yearlyLinks // nil: no yearly plan
	IsCustomer   bool         // the tenant's own requester: approves as the customer
	CanEmergency bool
	Actual       *capacity.PlanActual
	Chart        chartData
}

func (c *Console) showCapacityGroup(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderCapacityGroup(w, r, p, http.StatusOK)
}

func (c *Console) renderCapacityGroup(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	g, err := c.opts.Capacity.Group(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	ctx, now := r.Context(), c.now()
	d := &capacityGroupData{Tenant: t, G: g, View: "week", Yearly: c.yearlyLinksOf(t), CanEdit: p.P.Staff(),
		IsCustomer: p.P.Requests(t.ID), CanEmergency: capacity.MayEmergency(p.P)}
	if d.Status, err = c.opts.Capacity.Status(ctx, g, now); err != nil {
		return err
	}
	if d.Versions, err = c.opts.Capacity.Versions(ctx, t.ID, g.ID); err != nil {
		return err
	}
	if err := c.capacityCalendar(r, p, d, now); err != nil {
		return err
	}
	d.Draft = `{"baseline":{"default":2,"rules":[{"days":["mon","tue","wed","thu","fri"],"start":"08:00","end":"23:00","count":6},` +
		`{"days":["sat","sun"],"start":"00:00","end":"24:00","count":4}]},"events":[]}`
	if n := len(d.Versions); n > 0 {
		b, _ := json.MarshalIndent(d.Versions[n-1].Document, "", "  ")
		d.Draft = string(b)
	}
	if a, b, ok := strings.Cut(r.URL.Query().Get("diff"), "-"); ok {
		d.DiffFrom, _ = strconv.Atoi(a)
		d.DiffTo, _ = strconv.Atoi(b)
		va, erra := c.opts.Capacity.Version(ctx, t.ID, g.ID, d.DiffFrom)
		vb, errb := c.opts.Capacity.Version(ctx, t.ID, g.ID, d.DiffTo)
		if erra != nil || errb != nil {
			return refusedField("diff", "no such versions")
		}
		d.Diff = capacity.Diff(va.Document, vb.Document)
	}
	if d.Actual, err = c.opts.Capacity.PlanActual(ctx, t.ID, g.ID, now.Add(-7*24*time.Hour), now); err != nil {
		return err
	}
	d.Chart = countChart(d.Actual, p)
	if ls, ok := c.loadLine(ctx, g, d.Actual, p); ok {
		d.Chart.Series = append(d.Chart.Series, ls)
	}
	p.Title, p.Active, p.Data = p.L.T("cap.group")+" "+g.Name+" — "+t.Name, "nav.tenants", d
	c.render(w, status, "capacity_group", p)
	return nil
}

// capacityCalendar lays the plan over the week or month the query names.
func (c *Console) capacityCalendar(r *http.Request, p *page, d *capacityGroupData, now time.Time) error {
	loc := p.L.Loc
	q := r.URL.Query()
	if q.Get("view") == "month" {
		d.View = "month"
	}
	day := now.In(loc)
	if s := q.Get("start"); s != "" {
		v, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return refusedField("start", "must be a date YYYY-MM-DD")
		}
		day = v
	}
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	days, prev, next := 7, from.AddDate(0, 0, -7), from.AddDate(0, 0, 7)
	if d.View == "month" {
		from = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, loc)
		days = from.AddDate(0, 1, 0).Add(-time.Hour).Day()
		prev, next = from.AddDate(0, -1, 0), from.AddDate(0, 1, 0)
	}
	d.From, d.Prev, d.Next = from, prev.Format(time.DateOnly), next.Format(time.DateOnly)
	cal, err := c.opts.Capacity.Calendar(r.Context(), d.G, 0, from, time.Date(from.Year(), from.Month(), from.Day()+days, 0, 0, 0, 0, loc))
	if err != nil {
		return err
	}
	d.Cal, d.Calendar = cal, drawCalendar(cal, from, days, loc, p.L.Lang)
	return nil
}

// countChart draws the planned and the actual count as steps.
func countChart(pa *capacity.PlanActual, p *page) chartData {
	ch := chartData{ID: "plan-actual-chart", Title: p.L.T("cap.chart"), From: pa.From, To: pa.To, Loc: p.L.Loc, NoData: p.L.T("cap.no_actual")}
	planned, actual := Series{Name: p.L.T("cap.planned")}, Series{Name: p.L.T("cap.actual")}
	for i, pt := range pa.Timeline {
		end := pa.To
		if i+1 < len(pa.Timeline) {
			end = pa.Timeline[i+1].At
		}
		planned.Points = append(planned.Points, Point{T: pt.At, V: float64(pt.Planned)}, Point{T: end, V: float64(pt.Planned)})
		if pt.Actual != nil {
			actual.Points = append(actual.Points, Point{T: pt.At, V: float64(*pt.Actual)}, Point{T: end, V: float64(*pt.Actual)})
		}
	}
	ch.Series = []Series{planned, actual}
	return ch
}

// loadSteps is how many load points the plan-against-actual chart asks for.
const loadSteps = 336

// loadLine is the group's chosen load over the chart's period in
// instances' worth, so it lies on the counts' scale: its own load query
// over what one instance serves, or its hosts' CPU / 100 × the count
// running. A load query without what one instance serves, or no metrics,
// draws nothing.
func (c *Console) loadLine(ctx context.Context, g *capacity.Group, pa *capacity.PlanActual, p *page) (Series, bool) {
	own, per := g.LoadQuery != "", g.PerInstance()
	if c.opts.Metrics == nil || (own && per <= 0) {
		return Series{}, false
	}
	step := pa.To.Sub(pa.From) / loadSteps
	series, err := c.opts.Metrics.QueryRange(ctx, g.TenantID, g.Load(), pa.From, pa.To, step)
	if err != nil {
		c.logger.Warn("console: load of a capacity group", "group", g.ID, "err", err)
		return Series{}, false
	}
	sum := map[int64]float64{}
	var at []time.Time
	for _, s := range series {
		for _, pt := range s.Points {
			k := pt.T.UnixMilli()
			if _, ok := sum[k]; !ok {
				at = append(at, pt.T)
			}
			sum[k] += pt.V
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	out := Series{Name: p.L.T("cap.load_cpu")}
	if own {
		unit := g.LoadUnit
		if unit == "" {
			unit = "load"
		}
		out.Name = p.L.T("cap.load_own", unit)
	}
	for _, t := range at {
		v := sum[t.UnixMilli()] / per
		if !own {
			v = sum[t.UnixMilli()] / 100 * float64(actualAt(pa.Timeline, t))
		}
		out.Points = append(out.Points, Point{T: t, V: v})
	}
	return out, len(out.Points) > 0
}

// actualAt is the count running at t by the timeline, the planned count
// before the first observation.
func actualAt(tl []capacity.CountPoint, t time.Time) int {
	n := 0
	for _, p := range tl {
		if p.At.After(t) {
			break
		}
		n = p.Planned
		if p.Actual != nil {
			n = *p.Actual
		}
	}
	return n
}

// loadMark shows a load threshold, "-" when unset.
func loadMark(f *float64) string {
	if f == nil {
		return "-"
	}
	return report.Number(*f)
}

// loadField is a load figure as the form's input holds it, "" when unset.
func loadField(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
