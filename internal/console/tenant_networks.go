package console

import (
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// updateNetworks replaces the tenant's networks: where the server's
// pollers may reach the internal addresses of its targets. Only an MSP
// admin may: a tenant that widened its own networks could name another
// tenant's addresses again.
func (c *Console) updateNetworks(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeAdmin); err != nil {
		return err
	}
	if !p.P.Global() {
		return errForbidden
	}
	list, err := outbound.CheckNetworks(strings.FieldsFunc(r.PostFormValue("networks"), func(r rune) bool {
		return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	}))
	if e, ok := invalid.As(err); ok {
		p.Error = p.L.T("err.field", e.Field, e.Reason)
		return c.renderTenant(w, r, p, t, http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if err := c.opts.Store.SetTenantNetworks(audited(r, p, t.ID, "update", "tenant_networks", t.ID, map[string][]string{"networks": list}), t.ID, list); err != nil {
		return err
	}
	p.Notice = p.L.T("tenant.networks_saved")
	return c.renderTenant(w, r, p, t, http.StatusOK)
}
