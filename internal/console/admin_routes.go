package console

// registerAdmin adds the administration forms: tenants, services,
// resources, monitoring items and templates, and the guided first setup.
// Each writes through the store the API writes through, with its rules.
func (c *Console) registerAdmin(page func(string, pageHandler)) {
	page("GET /settings/tenants/new", c.newTenant)
	page("POST /settings/tenants", c.createTenant)
	page("GET /tenants/{tenant}/edit", c.editTenant)
	page("POST /tenants/{tenant}/edit", c.updateTenant)
	page("GET /tenants/{tenant}/delete", c.confirmTenantDelete)
	page("POST /tenants/{tenant}/delete", c.deleteTenant)
	page("GET /tenants/{tenant}/services/new", c.newService)
	page("POST /tenants/{tenant}/services", c.saveService)
	page("GET /tenants/{tenant}/services/{id}/edit", c.editService)
	page("POST /tenants/{tenant}/services/{id}", c.saveService)
	page("GET /tenants/{tenant}/services/{id}/delete", c.confirmServiceDelete)
	page("POST /tenants/{tenant}/services/{id}/delete", c.deleteService)
	page("GET /tenants/{tenant}/resources/new", c.newResource)
	page("POST /tenants/{tenant}/resources", c.saveResource)
	page("GET /tenants/{tenant}/resources/{id}/edit", c.editResource)
	page("POST /tenants/{tenant}/resources/{id}", c.saveResource)
	page("POST /tenants/{tenant}/resources/{id}/delete", c.deleteResource)
	page("GET /setup", c.showSetup)
	page("POST /setup/token", c.createSetupToken)
	if c.opts.Design != nil {
		page("GET /tenants/{tenant}/monitoring/items/new", c.newItem)
		page("POST /tenants/{tenant}/monitoring/items", c.saveItem)
		page("GET /tenants/{tenant}/monitoring/items/{id}", c.editItem)
		page("POST /tenants/{tenant}/monitoring/items/{id}", c.saveItem)
		page("POST /tenants/{tenant}/monitoring/templates", c.createTemplate)
		page("GET /tenants/{tenant}/monitoring/templates/{id}", c.showTemplate)
		page("POST /tenants/{tenant}/monitoring/templates/{id}", c.updateTemplate)
		page("POST /tenants/{tenant}/monitoring/assignments/{id}/delete", c.deleteAssignment)
	}
	if c.opts.Channels != nil {
		page("GET /tenants/{tenant}/settings/channels/new", c.newChannel)
		page("GET /tenants/{tenant}/settings/channels/{id}", c.editChannel)
		page("POST /tenants/{tenant}/settings/channels/{id}", c.updateChannel)
		page("POST /tenants/{tenant}/settings/channels/{id}/delete", c.deleteChannel)
		page("GET /tenants/{tenant}/settings/contacts/{id}", c.editContact)
		page("POST /tenants/{tenant}/settings/contacts/{id}", c.updateContact)
		page("POST /tenants/{tenant}/settings/contacts/{id}/delete", c.deleteContact)
		page("GET /tenants/{tenant}/settings/policies/{id}", c.editPolicy)
		page("POST /tenants/{tenant}/settings/policies/{id}", c.updatePolicy)
		page("POST /tenants/{tenant}/settings/policies/{id}/delete", c.deletePolicy)
	}
}
