package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// yearlyLinks is the yearly plan's part of the capacity pages: where its
// document is, and what the accept button sends.
type yearlyLinks struct {
	HTML, PDF string
	From      string // the month the plan made now starts, "YYYY-MM"
	Year      int
	Target    float64
}

// yearlyLinksOf is the yearly plan's links for tenant t, or nil when the
// console has no yearly plan.
func (c *Console) yearlyLinksOf(t *model.Tenant) *yearlyLinks {
	if c.opts.Yearly == nil {
		return nil
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	first := yearplan.FirstMonth(c.now(), loc)
	base := "/tenants/" + t.ID + "/capacity/yearly-plan"
	return &yearlyLinks{HTML: base + ".html", PDF: base + ".pdf", From: first.Format("2006-01"), Year: first.Year(), Target: yearplan.DefaultTarget}
}

// yearlyPlanFile serves the tenant's yearly plan as HTML or PDF, at the
// target of ?target= (the default without): the document the MSP discusses
// with the customer. The customer's viewer may read it.
func (c *Console) yearlyPlanFile(kind string) pageHandler {
	types := map[string]string{"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		t, err := c.tenant(r, p)
		if err != nil {
			return err
		}
		o := yearplan.Options{Language: p.L.Lang}
		if s := r.URL.Query().Get("target"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v >= yearplan.MinTarget && v <= yearplan.MaxTarget) {
				return invalid.New("target", "must be a utilisation in percent from %d to %d", yearplan.MinTarget, yearplan.MaxTarget)
			}
			o.Target = v
		}
		plan, err := c.opts.Yearly.Generate(r.Context(), t.ID, o)
		if err != nil {
			return err
		}
		var b []byte
		if kind == "pdf" {
			b, err = c.opts.Yearly.PDF(plan)
		} else {
			b, err = yearplan.HTML(plan)
		}
		if errors.Is(err, yearplan.ErrNoPDF) {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return nil
		}
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", types[kind])
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// The document carries its own styles; it runs no script.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox")
		h.Set("Content-Disposition", `inline; filename="yearly-plan-`+t.ID+`.`+kind+`"`)
		w.Write(b)
		return nil
	}
}

// acceptYearlyPlan accepts the yearly plan as next year's draft of every
// group's plan: an operator's act after the meeting, never the viewer's.
func (c *Console) acceptYearlyPlan(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !p.P.Staff() {
		return errForbidden
	}
	in := capacity.AcceptInput{From: strings.TrimSpace(r.PostFormValue("from"))}
	if s := strings.TrimSpace(r.PostFormValue("target")); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return c.capacityListRefused(w, r, p, refusedField("target", p.L.T("cap.yearly_target_number")))
		}
		in.Target = v
	}
	res, err := c.opts.Capacity.AcceptYearlyPlan(r.Context(), c.opts.Yearly, t.ID, in, p.P.Name, func(key string) context.Context {
		return audited(r, p, t.ID, "accept_yearly_plan", "capacity_plan", key, in)
	})
	if err != nil {
		return c.capacityListRefused(w, r, p, err)
	}
	made := 0
	for _, a := range res.Accepted {
		if a.Created {
			made++
		}
	}
	if made == 0 {
		p.Notice = p.L.T("cap.yearly_already", res.Origin.Year)
	} else {
		p.Notice = p.L.T("cap.yearly_accepted", res.Origin.Year, made)
	}
	return c.renderCapacityList(w, r, p, t, http.StatusOK)
}

// capacityListRefused shows the groups page again with the reason of a
// refused input, or fails the page for anything else.
func (c *Console) capacityListRefused(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	err = deskError(err)
	if msg := refused(p, err); msg != "" {
		t, terr := c.tenant(r, p)
		if terr != nil {
			return terr
		}
		p.Error = msg
		return c.renderCapacityList(w, r, p, t, http.StatusBadRequest)
	}
	return err
}
