package console

import (
	"net/url"

	"github.com/unyo-ops/unyo/internal/auth"
)

// portalNav is the navigation of a customer's user (viewer or requester):
// only its own tenant's pages, named for the customer — its status, its
// requests, incidents, changes, operation plans and reports — and never a
// page across customers.
func (c *Console) portalNav(p *auth.Principal) []NavLink {
	base := "/tenants/" + url.PathEscape(p.Tenant)
	links := []NavLink{{Key: "nav.board", Label: "ptl.nav.status", Path: "/board"}, {Key: "nav.tenants", Label: "ptl.nav.services", Path: base}}
	if c.opts.Requests != nil {
		links = append(links, NavLink{Key: "req.link", Path: base + "/requests"})
	}
	if c.opts.IncidentDesk != nil {
		links = append(links, NavLink{Key: "nav.incidents", Path: base + "/incidents"})
	}
	if c.opts.Changes != nil {
		links = append(links, NavLink{Key: "nav.changes", Path: base + "/changes"})
	}
	if c.opts.Capacity != nil {
		links = append(links, NavLink{Key: "nav.capacity", Path: base + "/capacity"})
	}
	if c.opts.Maintenance != nil {
		links = append(links, NavLink{Key: "nav.maintenance", Path: base + "/maintenance"})
	}
	if c.opts.ReportDesk != nil {
		links = append(links, NavLink{Key: "nav.reports", Path: base + "/reports"})
	}
	return links
}
