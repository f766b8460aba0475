package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/model"
)

// silenceRows is how many matcher rows the form offers.
const silenceRows = 5

// silenceOps are the matcher operators, as Alertmanager writes them.
var silenceOps = []string{"=", "!=", "=~", "!~"}

// silenceData is a tenant's silences, the form and, after a preview, the
// alerts the typed matchers would hold.
type silenceData struct {
	Tenant   *model.Tenant
	Silences []*alert.Silence
	Now      time.Time
	Form     silenceForm
	Ops      []string
	// Previewed says the form was previewed; Matched is what it holds.
	Previewed bool
	Matched   []*alert.Alert
}

// silenceForm is the form's input: typed, or prefilled from an alert.
type silenceForm struct {
	Matchers []alert.Matcher
	Start    string // datetime-local in the user's zone, "" for now
	End      string // datetime-local, or
	Duration string // a duration ("2h", "1d"): one of the two
	Comment  string
}

// showSilences lists the tenant's silences with the form; ?alert=ID fills
// the matchers from that alert's host and name, as "silence like this".
func (c *Console) showSilences(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.silenceTenant(r, p)
	if err != nil {
		return err
	}
	f := silenceForm{Duration: "2h"}
	if id, err := strconv.ParseInt(r.URL.Query().Get("alert"), 10, 64); err == nil {
		a, err := c.opts.AlertDesk.Alert(r.Context(), t.ID, id)
		if err != nil {
			return deskError(err)
		}
		lbls := a.MatchLabels()
		for _, n := range []string{"host", "alertname"} {
			if v := lbls[n]; v != "" {
				f.Matchers = append(f.Matchers, alert.Matcher{Name: n, Op: "=", Value: v})
			}
		}
	}
	return c.renderSilences(w, r, p, t, f, http.StatusOK, false)
}

// silenceTenant is the path's tenant for the MSP's staff: silences are
// theirs to set, as notifications are.
func (c *Console) silenceTenant(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) {
		return nil, errForbidden
	}
	return t, nil
}

func (c *Console) renderSilences(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, f silenceForm, status int, preview bool) error {
	for len(f.Matchers) < silenceRows {
		f.Matchers = append(f.Matchers, alert.Matcher{Op: "="})
	}
	d := &silenceData{Tenant: t, Now: c.now(), Form: f, Ops: silenceOps}
	var err error
	if d.Silences, err = c.opts.AlertDesk.Silences(r.Context(), t.ID); err != nil {
		return err
	}
	if preview {
		d.Previewed = true
		if d.Matched, err = c.opts.AlertDesk.PreviewSilence(r.Context(), t.ID, typedMatchers(f.Matchers)); err != nil {
			if msg := refused(p, err); msg != "" {
				p.Error, status, d.Previewed = msg, http.StatusBadRequest, false
			} else {
				return err
			}
		}
	}
	p.Active, p.Title, p.Data = "nav.alerts", p.L.T("sil.title", t.Name), d
	c.render(w, status, "silences", p)
	return nil
}

// typedMatchers drops the form's empty rows.
func typedMatchers(ms []alert.Matcher) []alert.Matcher {
	var out []alert.Matcher
	for _, m := range ms {
		if m.Name != "" || m.Value != "" {
			out = append(out, m)
		}
	}
	return out
}

// readSilenceForm reads the posted form: the rows as typed, the times
// as text, parsed by silenceOf.
func readSilenceForm(r *http.Request) silenceForm {
	f := silenceForm{Start: r.PostFormValue("start"), End: r.PostFormValue("end"),
		Duration: strings.TrimSpace(r.PostFormValue("duration")), Comment: r.PostFormValue("comment")}
	names, ops, values := r.PostForm["m_name"], r.PostForm["m_op"], r.PostForm["m_value"]
	for i := 0; i < len(names) && i < 20; i++ {
		m := alert.Matcher{Name: strings.TrimSpace(names[i]), Op: "="}
		if i < len(ops) {
			m.Op = ops[i]
		}
		if i < len(values) {
			m.Value = values[i]
		}
		f.Matchers = append(f.Matchers, m)
	}
	return f
}

// silenceOf turns the form into a silence: start and end in the user's
// zone, or a duration from the start (Alertmanager's form offers both).
func silenceOf(f silenceForm, tenant string, loc *time.Location, now time.Time) (*alert.Silence, error) {
	s := &alert.Silence{TenantID: tenant, Matchers: typedMatchers(f.Matchers), Comment: f.Comment}
	start := now
	if f.Start != "" {
		v, err := time.ParseInLocation("2006-01-02T15:04", f.Start, loc)
		if err != nil {
			return nil, refusedField("start", "is not a date and time (YYYY-MM-DDTHH:MM)")
		}
		s.StartsAt, start = v, v
	}
	switch {
	case f.End != "" && f.Duration != "":
		return nil, refusedField("duration", "give an end or a duration, not both")
	case f.End != "":
		v, err := time.ParseInLocation("2006-01-02T15:04", f.End, loc)
		if err != nil {
			return nil, refusedField("end", "is not a date and time (YYYY-MM-DDTHH:MM)")
		}
		s.EndsAt = v
	case f.Duration != "":
		d, err := parseSpan(f.Duration)
		if err != nil || d <= 0 {
			return nil, refusedField("duration", "is not a duration such as 30m, 2h or 1d")
		}
		s.EndsAt = start.Add(d)
	default:
		return nil, refusedField("end", "give an end or a duration")
	}
	return s, nil
}

// parseSpan reads a Go duration, with "d" for days as operators write them.
func parseSpan(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}

// createSilence previews (action=preview) or stores the silence of the
// form; a refused one comes back with the reason and the input kept.
func (c *Console) createSilence(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.silenceTenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := readSilenceForm(r)
	if r.PostFormValue("action") == "preview" {
		return c.renderSilences(w, r, p, t, f, http.StatusOK, true)
	}
	s, err := silenceOf(f, t.ID, p.L.Loc, c.now())
	if err == nil {
		ctx := audited(r, p, t.ID, "create", "silence", "", nil)
		err = c.opts.AlertDesk.CreateSilence(ctx, s, p.P.Name)
	}
	if err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderSilences(w, r, p, t, f, http.StatusBadRequest, false)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+url.PathEscape(t.ID)+"/silences", http.StatusSeeOther)
	return nil
}

// expireSilence ends a silence now.
func (c *Console) expireSilence(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.silenceTenant(r, p)
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
	ctx := audited(r, p, t.ID, "expire", "silence", strconv.FormatInt(id, 10), nil)
	if err := deskError(c.opts.AlertDesk.ExpireSilence(ctx, t.ID, id)); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderSilences(w, r, p, t, silenceForm{Duration: "2h"}, http.StatusBadRequest, false)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+url.PathEscape(t.ID)+"/silences", http.StatusSeeOther)
	return nil
}
