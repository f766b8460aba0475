package console

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/model"
)

// changesData is a tenant's changes, newest schedule first.
type changesData struct {
	Tenant  *model.Tenant
	Changes []*change.Change
	CanEdit bool
	Month   string // this month, for the calendar link
}

// changeStaff reports whether the user is MSP staff who may write: they
// write and move changes; a customer's viewer reads, approves and rejects.
func changeStaff(p *page) bool { return p.P.Staff() }

func (c *Console) listChanges(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	list, err := c.opts.Changes.List(r.Context(), t.ID, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	d := &changesData{Tenant: t, Changes: list, CanEdit: changeStaff(p), Month: c.now().In(p.L.Loc).Format("2006-01")}
	p.Active, p.Title, p.Data = "nav.changes", p.L.T("chg.title", t.Name), d
	c.render(w, http.StatusOK, "changes", p)
	return nil
}

// calendarDay is one day of the month view with what touches it.
type calendarDay struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Changes []*change.Change
	Windows []change.CalendarEntry
}

// changeCalendarData is the month view: weeks of days, Monday first.
type changeCalendarData struct {
	Tenant      *model.Tenant
	Month       time.Time
	Prev, Next  string
	Weeks       [][]calendarDay
	Weekdays    []string
	Changes     int
	Occurrences int
}

// showChangeCalendar is the change calendar (変更カレンダー): the month's
// changes and maintenance occurrences, in the user's time zone.
func (c *Console) showChangeCalendar(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	loc := p.L.Loc
	now := c.now().In(loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if m := r.URL.Query().Get("month"); m != "" {
		if month, err = time.ParseInLocation("2006-01", m, loc); err != nil {
			p.Error = p.L.T("err.field", "month", p.L.T("chg.month_format"))
			month = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		}
	}
	// From the Monday on or before the 1st to the Sunday on or after the last day.
	first := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
	last := month.AddDate(0, 1, -1)
	end := last.AddDate(0, 0, 7-((int(last.Weekday())+6)%7))
	cal, err := c.opts.Changes.Calendar(r.Context(), t.ID, first, end)
	if err != nil {
		return err
	}
	d := &changeCalendarData{Tenant: t, Month: month, Prev: month.AddDate(0, -1, 0).Format("2006-01"), Next: month.AddDate(0, 1, 0).Format("2006-01"),
		Weekdays: weekdays, Changes: len(cal.Changes), Occurrences: len(cal.Windows)}
	var week []calendarDay
	for day := first; day.Before(end); day = day.AddDate(0, 0, 1) {
		next := day.AddDate(0, 0, 1)
		cd := calendarDay{Date: day, InMonth: day.Month() == month.Month(), Today: !now.Before(day) && now.Before(next)}
		for i := len(cal.Changes) - 1; i >= 0; i-- { // oldest first within the day
			if ch := cal.Changes[i]; ch.Start.Before(next) && ch.End.After(day) {
				cd.Changes = append(cd.Changes, ch)
			}
		}
		for _, o := range cal.Windows {
			if o.Start.Before(next) && o.End.After(day) {
				cd.Windows = append(cd.Windows, o)
			}
		}
		if week = append(week, cd); len(week) == 7 {
			d.Weeks, week = append(d.Weeks, week), nil
		}
	}
	p.Active, p.Title, p.Data = "nav.changes", p.L.T("chg.calendar_title", t.Name, month.Format("2006-01")), d
	c.render(w, http.StatusOK, "change_calendar", p)
	return nil
}
