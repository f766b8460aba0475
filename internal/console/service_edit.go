package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// serviceForm is the service form: the service level with its business
// calendar, as typed (the durations and hours stay text until they parse).
type serviceForm struct {
	Tenant   *model.Tenant
	ID       int64 // 0: a new service
	Name     string
	Desc     string
	Target   string            // availability target, percent
	Clocks   map[string]string // rto, rpo, acknowledge_target, identify_target, resolve_target
	Zone     string
	Hours    string // "mon 09:00-18:00", one range a line
	Holidays []string
	Errs     fieldErrors
	Setup    bool
}

// slaClocks are the service level's durations, in the form's order.
var slaClocks = []string{"acknowledge_target", "identify_target", "resolve_target", "rto", "rpo"}

// serviceFields maps model.Service's validation to the form.
var serviceFields = map[string]string{
	"name": "name", "description": "description", "service_level.availability_target": "availability_target",
	"service_level.calendar.time_zone": "cal_zone", "service_level.calendar.hours": "hours",
	"service_level.calendar.holidays": "holidays", "holidays": "holidays", "holiday_import": "holiday_import",
	"service_level.rto": "rto", "service_level.rpo": "rpo", "service_level.acknowledge_target": "acknowledge_target",
	"service_level.identify_target": "identify_target", "service_level.resolve_target": "resolve_target",
}

// ClockNames lists the SLA durations for the template.
func (f *serviceForm) ClockNames() []string { return slaClocks }

// durText writes d as it is typed back: "4h", "1h30m", "45s".
func durText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func serviceFormOf(t *model.Tenant, s *model.Service) *serviceForm {
	f := &serviceForm{Tenant: t, Clocks: map[string]string{}, Errs: fieldErrors{}, Zone: t.TimeZone}
	if s == nil {
		return f
	}
	l := s.Level
	f.ID, f.Name, f.Desc, f.Zone, f.Holidays = s.ID, s.Name, s.Description, l.Calendar.TimeZone, l.Calendar.Holidays
	if l.AvailabilityTarget > 0 {
		f.Target = strconv.FormatFloat(l.AvailabilityTarget, 'f', -1, 64)
	}
	for name, d := range map[string]model.Duration{"rto": l.RTO, "rpo": l.RPO, "acknowledge_target": l.AcknowledgeTarget,
		"identify_target": l.IdentifyTarget, "resolve_target": l.ResolveTarget} {
		if d > 0 {
			f.Clocks[name] = durText(d.Std())
		}
	}
	var hours []string
	for _, h := range l.Calendar.Hours {
		hours = append(hours, fmt.Sprintf("%s %s-%s", h.Weekday, h.Start, h.End))
	}
	f.Hours = strings.Join(hours, "\n")
	return f
}

// read fills f from the posted form: the kept holidays (each a checkbox,
// unticked to remove it), the one added and the list imported.
func (f *serviceForm) read(r *http.Request) error {
	f.Name, f.Desc, f.Target = r.PostFormValue("name"), r.PostFormValue("description"), strings.TrimSpace(r.PostFormValue("availability_target"))
	f.Zone, f.Hours = strings.TrimSpace(r.PostFormValue("cal_zone")), r.PostFormValue("hours")
	for _, n := range slaClocks {
		f.Clocks[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	f.Holidays = append([]string(nil), r.PostForm["holidays"]...)
	if d := strings.TrimSpace(r.PostFormValue("holiday_add")); d != "" {
		f.Holidays = append(f.Holidays, d)
	}
	imported, err := calendar.ParseHolidayList(r.PostFormValue("holiday_import"))
	if err != nil {
		return invalid.Prefix("holiday_import", err)
	}
	f.Holidays = append(f.Holidays, imported...)
	slices.Sort(f.Holidays)
	f.Holidays = slices.Compact(f.Holidays)
	return nil
}

// service is the model the form describes, or the field that does not parse.
func (f *serviceForm) service() (*model.Service, error) {
	s := &model.Service{ID: f.ID, TenantID: f.Tenant.ID, Name: f.Name, Description: f.Desc}
	l := &s.Level
	if f.Target != "" {
		v, err := strconv.ParseFloat(f.Target, 64)
		if err != nil {
			return nil, invalid.New("service_level.availability_target", "must be a percentage such as 99.9")
		}
		l.AvailabilityTarget = v
	}
	for name, dst := range map[string]*model.Duration{"rto": &l.RTO, "rpo": &l.RPO, "acknowledge_target": &l.AcknowledgeTarget,
		"identify_target": &l.IdentifyTarget, "resolve_target": &l.ResolveTarget} {
		if v := f.Clocks[name]; v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, invalid.New("service_level."+name, "must be a duration such as 30m, 4h or 1h30m, not %q", v)
			}
			*dst = model.Duration(d)
		}
	}
	l.Calendar = calendar.Calendar{TimeZone: f.Zone, Holidays: f.Holidays}
	for i, line := range lines(f.Hours) {
		day, span, _ := strings.Cut(line, " ")
		start, end, ok := strings.Cut(strings.TrimSpace(span), "-")
		if !ok {
			return nil, invalid.New(fmt.Sprintf("service_level.calendar.hours[%d]", i), "must read like \"mon 09:00-18:00\", not %q", line)
		}
		l.Calendar.Hours = append(l.Calendar.Hours, calendar.DayHours{Weekday: strings.ToLower(day), Start: strings.TrimSpace(start), End: strings.TrimSpace(end)})
	}
	return s, s.Validate()
}

func (c *Console) newService(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := serviceFormOf(t, nil)
	f.Setup = r.URL.Query().Get("setup") != ""
	return c.renderServiceForm(w, p, f, http.StatusOK)
}

func (c *Console) editService(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := c.opts.Store.Service(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderServiceForm(w, p, serviceFormOf(t, s), http.StatusOK)
}

func (c *Console) renderServiceForm(w http.ResponseWriter, p *page, f *serviceForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.service_new")
	if f.ID != 0 {
		p.Title = p.L.T("adm.service_edit", f.Name)
	}
	p.Data = f
	c.render(w, status, "service_form", p)
	return nil
}

// saveService creates (no {id}) or updates a service as the API does.
func (c *Console) saveService(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := serviceFormOf(t, nil)
	f.Setup = r.PostFormValue("setup") != ""
	if r.PathValue("id") != "" {
		if f.ID, err = pathID(r); err != nil {
			return err
		}
		if _, err := c.opts.Store.Service(r.Context(), t.ID, f.ID); err != nil {
			return err // another tenant's service is 404 before anything is read
		}
	}
	err = f.read(r)
	var s *model.Service
	if err == nil {
		s, err = f.service()
	}
	if err == nil {
		if f.ID == 0 {
			err = c.opts.Store.CreateService(audited(r, p, t.ID, "create", "service", "", s), s)
		} else {
			err = c.opts.Store.UpdateService(audited(r, p, t.ID, "update", "service", strconv.FormatInt(s.ID, 10), s), s)
		}
	}
	if err != nil {
		if refuseFields(p, err, f.Errs, serviceFields, "name") {
			return c.renderServiceForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	if f.Setup {
		return seeOther(w, r, "/setup?tenant="+t.ID)
	}
	return seeOther(w, r, "/tenants/"+t.ID)
}
