package console

// registerOps adds the operator's daily forms that are wired: silences by
// label matcher, opening,
// assigning and reopening incidents, linking an alert to one, report
// drafts for any period. The pages they post from are the desk's own.
func (c *Console) registerOps(page func(string, pageHandler)) {
	if c.opts.AlertDesk != nil {
		page("GET /tenants/{tenant}/silences", c.showSilences)
		page("POST /tenants/{tenant}/silences", c.createSilence)
		page("POST /tenants/{tenant}/silences/{id}/expire", c.expireSilence)
	}
	if c.opts.IncidentDesk != nil {
		page("POST /incidents", c.openIncident)
		page("POST /tenants/{tenant}/incidents", c.openIncident)
		page("POST /tenants/{tenant}/incidents/{id}/assign", c.assignIncident)
		if c.opts.AlertDesk != nil {
			page("POST /tenants/{tenant}/alerts/{id}/incident", c.linkAlertToIncident)
		}
	}
	if c.opts.ReportDesk != nil {
		page("POST /reports", c.createReport)
		page("POST /tenants/{tenant}/reports", c.createReport)
	}
}
