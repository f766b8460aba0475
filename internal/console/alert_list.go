package console

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// alertListLimit bounds the alerts read per tenant for one page.
const alertListLimit = 300

// alertRefreshSeconds is how often the live list reloads itself.
const alertRefreshSeconds = 30

// alertListData is the live list (firing and pending) or the history.
type alertListData struct {
	Scope    *listScope
	History  bool
	Severity string
	Host     string
	From, To string // the history's dates as typed, YYYY-MM-DD in the user's zone
	Rows     []alertRow
	Failed   []string // tenants whose alerts could not be read
	CanAct   bool
	Refresh  int
	Default  string // the silence form's default "until", in the user's zone
}

// alertRow is one alert and the tenant it belongs to.
type alertRow struct {
	Tenant *model.Tenant
	A      *alert.Alert
}

func (c *Console) listAlerts(w http.ResponseWriter, r *http.Request, p *page) error {
	sc, err := c.listScope(r, p, "alerts")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := &alertListData{Scope: sc, History: q.Get("view") == "history", Severity: q.Get("severity"), Host: strings.TrimSpace(q.Get("host")),
		From: q.Get("from"), To: q.Get("to"), CanAct: p.P.Can(model.ScopeWrite), Default: c.now().Add(time.Hour).In(p.L.Loc).Format("2006-01-02T15:04")}
	f := alert.Filter{States: []alert.State{alert.StateFiring, alert.StatePending}, Limit: alertListLimit}
	status := http.StatusOK
	if d.History {
		f.States = []alert.State{alert.StateResolved}
		if f.From, f.To, err = dateRange(d.From, d.To, p.L.Loc); err != nil {
			p.Error, status = refused(p, err), http.StatusBadRequest
		}
	} else {
		d.Refresh = alertRefreshSeconds
	}
	switch d.Severity {
	case "":
	case "critical", "warning", "info":
		f.Severities = []alert.Severity{alert.Severity(d.Severity)}
	default:
		p.Error, status = p.L.T("err.field", "severity", "must be critical, warning or info"), http.StatusBadRequest
	}
	if status == http.StatusOK {
		for _, t := range sc.Tenants {
			list, err := c.opts.AlertDesk.List(r.Context(), t.ID, f)
			if err != nil {
				c.logger.Warn("console: alerts", "tenant", t.ID, "err", err)
				d.Failed = append(d.Failed, t.ID)
				continue
			}
			for _, a := range list {
				if d.Host == "" || strings.Contains(strings.ToLower(a.Resource), strings.ToLower(d.Host)) {
					d.Rows = append(d.Rows, alertRow{Tenant: t, A: a})
				}
			}
		}
	}
	sortAlerts(d.Rows)
	p.Active, p.Title, p.Data = "nav.alerts", p.L.T("alerts.title"), d
	if d.History {
		p.Title = p.L.T("alerts.history")
	}
	c.render(w, status, "alerts", p)
	return nil
}

// sortAlerts puts firing before pending, then the most severe, then the newest.
func sortAlerts(rows []alertRow) {
	rank := map[alert.Severity]int{alert.SeverityCritical: 0, alert.SeverityWarning: 1, alert.SeverityInfo: 2}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].A, rows[j].A
		if (a.State == alert.StateFiring) != (b.State == alert.StateFiring) {
			return a.State == alert.StateFiring
		}
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		return a.StartedAt.After(b.StartedAt)
	})
}

// dateRange reads the history's "from" and "to" dates (YYYY-MM-DD, in the
// user's zone, "to" inclusive); empty ones are unbounded.
func dateRange(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = time.ParseInLocation(time.DateOnly, from, loc); err != nil {
			return f, t, invalid.New("from", "is not a date (YYYY-MM-DD)")
		}
	}
	if to != "" {
		if t, err = time.ParseInLocation(time.DateOnly, to, loc); err != nil {
			return f, t, invalid.New("to", "is not a date (YYYY-MM-DD)")
		}
		t = t.AddDate(0, 0, 1)
	}
	if !f.IsZero() && !t.IsZero() && !t.After(f) {
		return f, t, invalid.New("to", "must not be before from")
	}
	return f, t, nil
}
