package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// createCapacityDraft stores the editor's document as a new draft.
func (c *Console) createCapacityDraft(w http.ResponseWriter, r *http.Request, p *page) error {
	t, g, err := c.capacityToChange(r, p)
	if err != nil {
		return err
	}
	if !p.P.Staff() {
		return errForbidden
	}
	var doc capacity.Document
	dec := json.NewDecoder(strings.NewReader(r.PostFormValue("document")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return c.capacityRefused(w, r, p, refusedField("document", "must be the plan as JSON: "+err.Error()))
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ctx := audited(r, p, t.ID, "create", "capacity_plan", "", map[string]any{"document": doc, "reason": reason})
	v, err := c.opts.Capacity.CreateVersion(ctx, t.ID, g.ID, doc, reason, p.P.Name)
	if err != nil {
		return c.capacityRefused(w, r, p, err)
	}
	p.Notice = p.L.T("cap.created", v.Version)
	return c.renderCapacityGroup(w, r, p, http.StatusOK)
}

// actOnCapacityVersion proposes, approves or activates a version, by the
// same rules as the API: the customer's viewer approves as the customer,
// staff only with a reference; an emergency activation is an MSP admin's.
func (c *Console) actOnCapacityVersion(action string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		t, g, err := c.capacityToChange(r, p)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(r.PathValue("version"))
		if err != nil || n <= 0 {
			return storage.ErrNotFound
		}
		key := strconv.FormatInt(g.ID, 10) + "/v" + strconv.Itoa(n)
		audit := func(act string, detail any) context.Context {
			return audited(r, p, t.ID, act, "capacity_plan", key, detail)
		}
		staff := p.P.Staff()
		switch action {
		case "propose":
			if !staff {
				return errForbidden
			}
			_, err = c.opts.Capacity.Propose(audit("propose", nil), t.ID, g.ID, n, p.P.Name)
		case "approve":
			ref := strings.TrimSpace(r.PostFormValue("reference"))
			how, aerr := capacity.ApprovalBy(p.P, t.ID, ref)
			if aerr != nil {
				if ref == "" && staff {
					return c.capacityRefused(w, r, p, refusedField("reference", p.L.T("cap.need_reference")))
				}
				return errForbidden
			}
			_, err = c.opts.Capacity.Approve(audit("approve", map[string]any{"approval": how, "reference": ref}), t.ID, g.ID, n, p.P.Name, how, ref)
		case "activate":
			emergency := r.PostFormValue("emergency") == "on"
			if !staff || (emergency && !capacity.MayEmergency(p.P)) {
				return errForbidden
			}
			reason := strings.TrimSpace(r.PostFormValue("reason"))
			act := "activate"
			if emergency {
				act = "activate_emergency"
			}
			_, err = c.opts.Capacity.Activate(audit(act, map[string]any{"emergency": emergency, "reason": reason}), t.ID, g.ID, n, p.P.Name, emergency, reason)
		}
		if err != nil {
			return c.capacityRefused(w, r, p, err)
		}
		p.Notice = p.L.T("cap.done_"+action, n)
		return c.renderCapacityGroup(w, r, p, http.StatusOK)
	}
}

// confirmCapacity records the count a person saw running in a manual
// group: the manual actuator's answer.
func (c *Console) confirmCapacity(w http.ResponseWriter, r *http.Request, p *page) error {
	t, g, err := c.capacityToChange(r, p)
	if err != nil {
		return err
	}
	if !p.P.Staff() {
		return errForbidden
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("count")))
	if err != nil {
		return c.capacityRefused(w, r, p, refusedField("count", p.L.T("cap.count_number")))
	}
	if err := c.opts.Capacity.Confirm(audited(r, p, t.ID, "confirm", "capacity_group", strconv.FormatInt(g.ID, 10), map[string]int{"count": n}), t.ID, g.ID, n); err != nil {
		return c.capacityRefused(w, r, p, err)
	}
	p.Notice = p.L.T("cap.confirmed", n)
	return c.renderCapacityGroup(w, r, p, http.StatusOK)
}

// holdCapacity keeps the group at a count until a time, whatever the plan
// says; release ends the hold.
func (c *Console) holdCapacity(w http.ResponseWriter, r *http.Request, p *page) error {
	t, g, err := c.capacityToChange(r, p)
	if err != nil {
		return err
	}
	if !p.P.Staff() {
		return errForbidden
	}
	if r.PostFormValue("release") != "" {
		if err := c.opts.Capacity.ReleaseHold(audited(r, p, t.ID, "release_hold", "capacity_group", strconv.FormatInt(g.ID, 10), nil), t.ID, g.ID); err != nil {
			return c.capacityRefused(w, r, p, err)
		}
		p.Notice = p.L.T("cap.released")
		return c.renderCapacityGroup(w, r, p, http.StatusOK)
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("count")))
	if err != nil {
		return c.capacityRefused(w, r, p, refusedField("count", p.L.T("cap.count_number")))
	}
	until, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("until"), p.L.Loc)
	if err != nil {
		return c.capacityRefused(w, r, p, refusedField("until", p.L.T("cap.until_time")))
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ctx := audited(r, p, t.ID, "hold", "capacity_group", strconv.FormatInt(g.ID, 10), map[string]any{"count": n, "until": until, "reason": reason})
	if _, err := c.opts.Capacity.CreateHold(ctx, t.ID, g.ID, n, until, reason, p.P.Name); err != nil {
		return c.capacityRefused(w, r, p, err)
	}
	p.Notice = p.L.T("cap.held", n)
	return c.renderCapacityGroup(w, r, p, http.StatusOK)
}

// capacityToChange is the tenant and group of the path.
func (c *Console) capacityToChange(r *http.Request, p *page) (*model.Tenant, *capacity.Group, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	g, err := c.opts.Capacity.Group(r.Context(), t.ID, id)
	return t, g, err
}

// capacityRefused shows the group's page again with the reason of a
// refused input, or fails the page for anything else.
func (c *Console) capacityRefused(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	err = deskError(err)
	if msg := refused(p, err); msg != "" {
		p.Error = msg
		return c.renderCapacityGroup(w, r, p, http.StatusBadRequest)
	}
	return err
}

// setCapacityLoad sets the group's own load metric: its query, unit, the
// per-instance thresholds of under- and over-provisioned, and what one
// instance serves. Empty fields unset them; the query empty, the group is
// judged by its hosts' CPU.
func (c *Console) setCapacityLoad(w http.ResponseWriter, r *http.Request, p *page) error {
	t, g, err := c.capacityToChange(r, p)
	if err != nil {
		return err
	}
	if !p.P.Staff() || (g.Kind == "command" && !capacity.MayEmergency(p.P)) {
		return errForbidden
	}
	g.LoadQuery = strings.TrimSpace(r.PostFormValue("load_query"))
	g.LoadUnit = strings.TrimSpace(r.PostFormValue("load_unit"))
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"load_under", &g.LoadUnder}, {"load_over", &g.LoadOver}, {"load_per_instance", &g.LoadPerInstance}} {
		v := strings.TrimSpace(r.PostFormValue(f.name))
		if v == "" {
			*f.dst = nil
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c.capacityRefused(w, r, p, refusedField(f.name, p.L.T("cap.load_number")))
		}
		*f.dst = &n
	}
	detail := map[string]any{"load_query": g.LoadQuery, "load_unit": g.LoadUnit, "load_under": g.LoadUnder, "load_over": g.LoadOver, "load_per_instance": g.LoadPerInstance}
	ctx := audited(r, p, t.ID, "update", "capacity_group", strconv.FormatInt(g.ID, 10), detail)
	if err := c.opts.Capacity.UpdateGroup(ctx, g, g.Name, nil); err != nil {
		return c.capacityRefused(w, r, p, err)
	}
	p.Notice = p.L.T("cap.load_saved")
	return c.renderCapacityGroup(w, r, p, http.StatusOK)
}
