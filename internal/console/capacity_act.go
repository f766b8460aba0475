package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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
	if p.P.Role == model.RoleViewer || !p.P.Can(model.ScopeWrite) {
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
		staff := p.P.Role != model.RoleViewer && p.P.Can(model.ScopeWrite)
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
