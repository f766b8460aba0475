package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/oncall"
)

// oncallRow is one rotation on the on-call page.
type oncallRow struct {
	Rotation  *oncall.Rotation
	Now       *oncall.Shift // nil: nobody on call now
	Week      []oncall.Shift
	Overrides []oncall.Override
	Loc       *time.Location
}

// oncallData is a tenant's rotations and what the reader may do.
type oncallData struct {
	Tenant  *model.Tenant
	Rows    []oncallRow
	CanEdit bool
}

// showOnCall lists the rotations: who is on call now, the next 7 days and
// the overrides. On-call duty is the MSP's: a customer viewer has no page.
func (c *Console) showOnCall(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderOnCall(w, r, p, http.StatusOK)
}

func (c *Console) renderOnCall(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.cloudSettings(r, p, false)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &oncallData{Tenant: t, CanEdit: p.P.Can(model.ScopeWrite)}
	rots, err := c.opts.OnCall.List(ctx, t.ID)
	if err != nil {
		return err
	}
	now := c.now()
	for _, rot := range rots {
		row := oncallRow{Rotation: rot}
		row.Loc, _ = time.LoadLocation(rot.TimeZone)
		if row.Overrides, err = c.opts.OnCall.Overrides(ctx, t.ID, rot.ID, now); err != nil {
			return err
		}
		if s, ok, err := oncall.OnCall(rot, row.Overrides, now); err != nil {
			return err
		} else if ok {
			row.Now = &s
		}
		if row.Week, err = oncall.Schedule(rot, row.Overrides, now, now.Add(7*24*time.Hour)); err != nil {
			return err
		}
		d.Rows = append(d.Rows, row)
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("onc.title", t.Name), d
	c.render(w, status, "oncall", p)
	return nil
}

// createOnCallOverride adds an override from the form: start and end are
// wall-clock times in the rotation's zone.
func (c *Console) createOnCallOverride(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.cloudSettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rot, err := c.opts.OnCall.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	loc, _ := time.LoadLocation(rot.TimeZone)
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	start, err1 := time.ParseInLocation("2006-01-02T15:04", f("start"), loc)
	end, err2 := time.ParseInLocation("2006-01-02T15:04", f("end"), loc)
	o := &oncall.Override{Rotation: id, Contact: f("contact"), Start: start, End: end, Note: f("note")}
	if err1 != nil || err2 != nil {
		o.Start, o.End = time.Time{}, time.Time{} // refused below, naming the field
	}
	if err := c.opts.OnCall.AddOverride(audited(r, p, t.ID, "create", "oncall_override", "", nil), t.ID, o); err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderOnCall(w, r, p, http.StatusBadRequest)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/oncall", http.StatusSeeOther)
	return nil
}
