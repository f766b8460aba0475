package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// tenantData is a tenant's services, each with its resources.
type tenantData struct {
	Tenant     *model.Tenant
	Groups     []serviceGroup
	Monitoring bool
	Links      []NavLink // the tenant's operations pages that are wired
	// Networks are where the server's pollers may reach the tenant's
	// internal addresses; EditNetworks: the user is an MSP admin.
	Networks     []string
	EditNetworks bool
	// EditTenant: MSP staff who may write; CanWrite: services and
	// resources may be added; Attempts: agents of unregistered hosts.
	EditTenant, CanWrite bool
	Attempts             []monitoring.Attempt
}

// serviceGroup is one service and its resources; Service is nil for the
// resources that belong to no service.
type serviceGroup struct {
	Service   *model.Service
	Resources []*model.Resource
}

func (c *Console) showTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	return c.renderTenant(w, r, p, t, http.StatusOK)
}

// renderTenant fills and renders the tenant page with status.
func (c *Console) renderTenant(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, status int) error {
	svcs, err := c.opts.Store.Services(r.Context(), t.ID)
	if err != nil {
		return err
	}
	res, err := c.opts.Store.Resources(r.Context(), t.ID, storage.ResourceFilter{})
	if err != nil {
		return err
	}
	nets, err := c.opts.Store.TenantNetworks(r.Context(), t.ID)
	if err != nil {
		return err
	}
	p.Active, p.Title = "nav.tenants", t.Name
	p.Data = tenantData{Tenant: t, Groups: groupByService(svcs, res), Monitoring: c.opts.Design != nil, Links: c.tenantLinks(t.ID, p),
		Networks: nets, EditNetworks: p.P.Global() && p.P.Can(model.ScopeAdmin),
		EditTenant: mayEditTenants(p) == nil, CanWrite: p.P.Can(model.ScopeWrite)}
	if d := p.Data.(tenantData); d.CanWrite {
		if d.Attempts, err = c.unregistered(r, t.ID); err != nil {
			return err
		}
		p.Data = d
	}
	c.render(w, status, "tenant", p)
	return nil
}

func groupByService(svcs []*model.Service, res []*model.Resource) []serviceGroup {
	idx := map[int64]int{}
	groups := make([]serviceGroup, 0, len(svcs)+1)
	for _, s := range svcs {
		idx[s.ID] = len(groups)
		groups = append(groups, serviceGroup{Service: s})
	}
	var loose []*model.Resource
	for _, r := range res {
		if r.ServiceID != nil {
			if i, ok := idx[*r.ServiceID]; ok {
				groups[i].Resources = append(groups[i].Resources, r)
				continue
			}
		}
		loose = append(loose, r)
	}
	if len(loose) > 0 {
		groups = append(groups, serviceGroup{Resources: loose})
	}
	return groups
}
