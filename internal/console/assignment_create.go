package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// createAssignment assigns a template to one host of the tenant. The
// monitoring store checks that both belong to the tenant.
func (c *Console) createAssignment(w http.ResponseWriter, r *http.Request, p *page) error {
	if c.opts.Design == nil {
		return storage.ErrNotFound
	}
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	tmpl, err := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
	if err != nil || tmpl <= 0 {
		return c.assignFailed(w, r, p, invalid.New("template_id", "choose a template"))
	}
	// By hand (one resource), or by label: a selector such as os=linux,role=web.
	a := &monitoring.Assignment{TenantID: t.ID, TemplateID: tmpl, Selector: strings.TrimSpace(r.PostFormValue("selector"))}
	if a.Selector == "" {
		host, err := strconv.ParseInt(r.PostFormValue("resource_id"), 10, 64)
		if err != nil || host <= 0 {
			return c.assignFailed(w, r, p, invalid.New("resource_id", "choose a host or give a label selector"))
		}
		a.ResourceID = host
	}
	if err := c.opts.Design.CreateAssignment(audited(r, p, t.ID, "create", "monitoring_assignment", "", map[string]any{"template_id": tmpl, "resource_id": a.ResourceID, "selector": a.Selector}), a); err != nil {
		return c.assignFailed(w, r, p, err)
	}
	p.Notice = p.L.T("mon.assigned")
	return c.renderMonitoring(w, r, p, http.StatusOK)
}

// assignFailed shows the page again with the reason, or the error page for
// anything that is not about the input.
func (c *Console) assignFailed(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	e, ok := invalid.As(err)
	switch {
	case ok:
		p.Error = p.L.T("err.field", e.Field, e.Reason)
	case errors.Is(err, storage.ErrConflict):
		p.Error = p.L.T("err.field", "template_id", "is already assigned to this host")
	case errors.Is(err, storage.ErrNotFound):
		p.Error = p.L.T("err.field", "template_id", "no such template or host in this tenant")
	default:
		return err
	}
	return c.renderMonitoring(w, r, p, http.StatusBadRequest)
}

// deleteAssignment removes an assignment of the tenant; the hosts it gave
// the template's items lose them at their agents' next pull.
func (c *Console) deleteAssignment(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := c.opts.Design.DeleteAssignment(audited(r, p, t.ID, "delete", "monitoring_assignment", strconv.FormatInt(id, 10), nil), t.ID, id); err != nil {
		return err
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/monitoring")
}
