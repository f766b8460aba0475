package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
)

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// weekdays are the recurrence's day names, Monday first as Japanese calendars show them.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// windowForm is the create form as typed.
type windowForm struct {
	Name, Kind, Resource       string
	Service, Labels            string // a service's ID; a label set "key=value, ..."
	Start, End                 string // one-off, datetime-local in the user's zone
	Frequency, StartTime       string
	Duration, StartsOn, EndsOn string
	TimeZone, DayOfMonth       string
	Weekdays                   map[string]bool
}

// createWindow stores a one-off or recurring window of the tenant; the
// maintenance package validates it and names the field it refuses.
func (c *Console) createWindow(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := windowForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Resource: r.PostFormValue("resource_id"),
		Service: r.PostFormValue("service_id"), Labels: r.PostFormValue("labels"),
		Start: r.PostFormValue("start"), End: r.PostFormValue("end"), Frequency: r.PostFormValue("frequency"),
		StartTime: r.PostFormValue("start_time"), Duration: r.PostFormValue("duration"), StartsOn: r.PostFormValue("starts_on"),
		EndsOn: r.PostFormValue("ends_on"), TimeZone: r.PostFormValue("time_zone"), DayOfMonth: r.PostFormValue("day_of_month"),
		Weekdays: map[string]bool{}}
	for _, d := range r.PostForm["weekdays"] {
		f.Weekdays[d] = true
	}
	mw, err := f.window(t.ID, p.L.Loc)
	if err == nil {
		err = c.opts.Maintenance.Create(audited(r, p, t.ID, "create", "maintenance_window", "", map[string]string{"name": mw.Name}), mw)
	}
	if err != nil {
		msg := refused(p, deskError(err))
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderMaintenance(w, r, p, http.StatusBadRequest, f)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/maintenance", http.StatusSeeOther)
	return nil
}

// window turns the form into a window; times typed for a one-off window
// are in the user's zone.
func (f windowForm) window(tenant string, loc *time.Location) (*maintenance.Stored, error) {
	mw := &maintenance.Stored{Tenant: tenant, Name: f.Name}
	if f.Resource != "" {
		id, err := strconv.ParseInt(f.Resource, 10, 64)
		if err != nil {
			return nil, refusedField("resource_id", "choose a host")
		}
		mw.ResourceID = &id
	}
	if f.Service != "" {
		id, err := strconv.ParseInt(f.Service, 10, 64)
		if err != nil {
			return nil, refusedField("service_id", "choose a service")
		}
		mw.ServiceID = &id
	}
	var err error
	if mw.Labels, err = labelSet(f.Labels); err != nil {
		return nil, err
	}
	switch f.Kind {
	case "once":
		var err error
		if mw.Start, err = time.ParseInLocation("2006-01-02T15:04", f.Start, loc); err != nil {
			return nil, refusedField("start", "is not a date and time (YYYY-MM-DDTHH:MM)")
		}
		if mw.End, err = time.ParseInLocation("2006-01-02T15:04", f.End, loc); err != nil {
			return nil, refusedField("end", "is not a date and time (YYYY-MM-DDTHH:MM)")
		}
	case "recurring":
		rec := &maintenance.Recurrence{Frequency: f.Frequency, StartTime: f.StartTime, Duration: strings.TrimSpace(f.Duration),
			TimeZone: f.TimeZone, StartsOn: f.StartsOn, EndsOn: f.EndsOn}
		switch f.Frequency {
		case "weekly":
			for _, d := range weekdays {
				if f.Weekdays[d] {
					rec.Weekdays = append(rec.Weekdays, d)
				}
			}
		case "monthly":
			n, err := strconv.Atoi(f.DayOfMonth)
			if err != nil {
				return nil, refusedField("recurrence.day_of_month", "is not a day of the month (1-31)")
			}
			rec.DayOfMonth = n
		}
		mw.Recurrence = rec
	default:
		return nil, refusedField("kind", "choose one-off or recurring")
	}
	return mw, nil
}

// deleteWindow removes a window of the tenant.
func (c *Console) deleteWindow(w http.ResponseWriter, r *http.Request, p *page) error {
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
	if err := c.opts.Maintenance.Delete(audited(r, p, t.ID, "delete", "maintenance_window", strconv.FormatInt(id, 10), nil), t.ID, id); err != nil {
		return deskError(err)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/maintenance", http.StatusSeeOther)
	return nil
}

// labelSet reads "key=value, key=value": the window then covers only the
// alerts carrying every one of these labels, as the API's labels do.
func labelSet(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		k, val = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(val), `"`)
		if !ok || k == "" || !labelNameRE.MatchString(k) {
			return nil, refusedField("labels", fmt.Sprintf("%q is not key=value with a label name (letters, digits and _)", part))
		}
		out[k] = val
	}
	return out, nil
}
