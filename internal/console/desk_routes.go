package console

import "github.com/unyo-ops/unyo/internal/model"

// registerDesk adds the pages of the operations desk that are wired.
func (c *Console) registerDesk(page func(string, pageHandler)) {
	if c.opts.AlertDesk != nil {
		page("GET /alerts", c.listAlerts)
		page("GET /tenants/{tenant}/alerts", c.listAlerts)
		page("GET /tenants/{tenant}/alerts/{id}", c.showAlert)
		page("POST /tenants/{tenant}/alerts/{id}/acknowledge", c.acknowledgeAlert)
		page("POST /tenants/{tenant}/alerts/{id}/silence", c.silenceAlert)
	}
	if c.opts.IncidentDesk != nil {
		page("GET /incidents", c.listIncidents)
		page("GET /tenants/{tenant}/incidents", c.listIncidents)
		page("GET /tenants/{tenant}/incidents/{id}", c.showIncident)
		page("POST /tenants/{tenant}/incidents/{id}/acknowledge", c.acknowledgeIncident)
		page("POST /tenants/{tenant}/incidents/{id}/state", c.transitionIncident)
		page("POST /tenants/{tenant}/incidents/{id}/cause", c.recordCause)
		page("POST /tenants/{tenant}/incidents/{id}/notes", c.addIncidentNote)
	}
	if c.opts.Maintenance != nil {
		page("GET /maintenance", c.showMaintenance)
		page("GET /tenants/{tenant}/maintenance", c.showMaintenance)
		page("POST /tenants/{tenant}/maintenance", c.createWindow)
		page("POST /tenants/{tenant}/maintenance/{id}/delete", c.deleteWindow)
	}
	if c.opts.Channels != nil {
		page("GET /settings/notifications", c.listNotifyTenants)
		page("GET /tenants/{tenant}/settings/notifications", c.showNotifySettings)
		page("POST /tenants/{tenant}/settings/channels", c.createChannel)
		page("POST /tenants/{tenant}/settings/channels/{id}/test", c.testChannel)
		page("POST /tenants/{tenant}/settings/contacts", c.createContact)
		page("POST /tenants/{tenant}/settings/policies", c.createPolicy)
	}
	if c.opts.Backups != nil {
		page("GET /tenants/{tenant}/backups", c.showBackups)
		page("POST /tenants/{tenant}/backups/restore-tests", c.recordRestoreTest)
	}
	if c.opts.Problems != nil {
		page("GET /tenants/{tenant}/problems", c.listProblems)
		page("GET /tenants/{tenant}/problems/{id}", c.showProblem)
		page("POST /tenants/{tenant}/problems/{id}", c.editProblem)
		page("POST /tenants/{tenant}/problems/{id}/state", c.moveProblem)
		page("POST /tenants/{tenant}/problems/proposals/{key}/accept", c.acceptProposal)
		page("POST /tenants/{tenant}/problems/proposals/{key}/dismiss", c.dismissProposal)
	}
	if c.opts.Capacity != nil {
		page("GET /tenants/{tenant}/capacity", c.listCapacity)
		page("GET /tenants/{tenant}/capacity/groups/{id}", c.showCapacityGroup)
		page("POST /tenants/{tenant}/capacity/groups/{id}/versions", c.createCapacityDraft)
		page("POST /tenants/{tenant}/capacity/groups/{id}/confirm", c.confirmCapacity)
		page("POST /tenants/{tenant}/capacity/groups/{id}/hold", c.holdCapacity)
		page("POST /tenants/{tenant}/capacity/groups/{id}/load", c.setCapacityLoad)
		page("POST /tenants/{tenant}/capacity/groups/{id}/versions/{version}/propose", c.actOnCapacityVersion("propose"))
		page("POST /tenants/{tenant}/capacity/groups/{id}/versions/{version}/approve", c.actOnCapacityVersion("approve"))
		page("POST /tenants/{tenant}/capacity/groups/{id}/versions/{version}/activate", c.actOnCapacityVersion("activate"))
		if c.opts.Yearly != nil {
			page("GET /tenants/{tenant}/capacity/yearly-plan.html", c.yearlyPlanFile("html"))
			page("GET /tenants/{tenant}/capacity/yearly-plan.pdf", c.yearlyPlanFile("pdf"))
			page("POST /tenants/{tenant}/capacity/yearly-plan/accept", c.acceptYearlyPlan)
		}
	}
	if c.opts.OnCall != nil {
		page("GET /tenants/{tenant}/oncall", c.showOnCall)
		page("POST /tenants/{tenant}/oncall/{id}/overrides", c.createOnCallOverride)
	}
	if c.opts.Improvements != nil {
		page("GET /tenants/{tenant}/improvements", c.listImprovements)
		page("POST /tenants/{tenant}/improvements", c.createImprovement)
		page("GET /tenants/{tenant}/improvements/{id}", c.showImprovement)
		page("POST /tenants/{tenant}/improvements/{id}", c.updateImprovement)
		page("POST /tenants/{tenant}/improvements/{id}/status", c.moveImprovement)
		page("GET /tenants/{tenant}/automation", c.showAutomation)
	}
	if c.opts.Changes != nil {
		page("GET /tenants/{tenant}/changes", c.listChanges)
		page("GET /tenants/{tenant}/changes/new", c.newChange)
		page("GET /tenants/{tenant}/changes/calendar", c.showChangeCalendar)
		page("POST /tenants/{tenant}/changes", c.createChange)
		page("GET /tenants/{tenant}/changes/{id}", c.showChange)
		page("POST /tenants/{tenant}/changes/{id}/submit", c.actOnChange("submit"))
		page("POST /tenants/{tenant}/changes/{id}/approve", c.actOnChange("approve"))
		page("POST /tenants/{tenant}/changes/{id}/reject", c.actOnChange("reject"))
		page("POST /tenants/{tenant}/changes/{id}/state", c.actOnChange("state"))
		page("POST /tenants/{tenant}/changes/{id}/incidents", c.actOnChange("incident"))
	}
	if c.opts.CloudAccounts != nil {
		page("GET /tenants/{tenant}/settings/cloud-accounts", c.showCloudAccounts)
		page("POST /tenants/{tenant}/settings/cloud-accounts", c.createCloudAccount)
		page("POST /tenants/{tenant}/settings/cloud-accounts/{id}/test", c.testCloudAccount)
		if c.opts.Discovery != nil {
			page("GET /tenants/{tenant}/settings/cloud-discovery", c.showDiscovery)
			page("POST /tenants/{tenant}/settings/cloud-discovery/rules", c.saveDiscoveryRules)
			page("POST /tenants/{tenant}/settings/cloud-discovery/accounts/{id}/run", c.runDiscovery)
		}
	}
	if c.opts.ReportDesk != nil {
		page("GET /reports", c.listReports)
		page("GET /tenants/{tenant}/reports", c.listReports)
		page("GET /tenants/{tenant}/reports/{id}", c.showReport)
		page("POST /tenants/{tenant}/reports/{id}", c.editReport)
		page("POST /tenants/{tenant}/reports/{id}/publish", c.publishReport)
		page("GET /tenants/{tenant}/reports/{id}/report.html", c.reportFile("html"))
		page("GET /tenants/{tenant}/reports/{id}/report.pdf", c.reportFile("pdf"))
	}
}

// tenantLinks are the tenant's own operations pages, for its page.
func (c *Console) tenantLinks(tenant string, p *page) []NavLink {
	base := "/tenants/" + tenant
	var out []NavLink
	if c.opts.AlertDesk != nil {
		out = append(out, NavLink{Key: "nav.alerts", Path: base + "/alerts"})
	}
	if c.opts.IncidentDesk != nil {
		out = append(out, NavLink{Key: "nav.incidents", Path: base + "/incidents"})
	}
	if c.opts.AlertDesk != nil && staff(p) {
		out = append(out, NavLink{Key: "sil.link", Path: base + "/silences"})
	}
	if c.opts.Maintenance != nil {
		out = append(out, NavLink{Key: "nav.maintenance", Path: base + "/maintenance"})
	}
	if c.opts.ReportDesk != nil {
		out = append(out, NavLink{Key: "nav.reports", Path: base + "/reports"})
	}
	if c.opts.Problems != nil {
		out = append(out, NavLink{Key: "nav.problems", Path: base + "/problems"})
	}
	if c.opts.Backups != nil {
		out = append(out, NavLink{Key: "nav.backups", Path: base + "/backups"})
	}
	if c.opts.Capacity != nil {
		out = append(out, NavLink{Key: "nav.capacity", Path: base + "/capacity"})
	}
	if c.opts.Improvements != nil {
		out = append(out, NavLink{Key: "nav.improvements", Path: base + "/improvements"}, NavLink{Key: "nav.automation", Path: base + "/automation"})
	}
	if c.opts.Changes != nil {
		out = append(out, NavLink{Key: "nav.changes", Path: base + "/changes"})
	}
	if c.opts.Dashboards != nil {
		out = append(out, NavLink{Key: "nav.dashboards", Path: base + "/dashboards"})
	}
	if c.opts.Channels != nil && staff(p) {
		out = append(out, NavLink{Key: "ntf.link", Path: base + "/settings/notifications"})
	}
	if c.opts.CloudAccounts != nil && staff(p) {
		out = append(out, NavLink{Key: "cld.link", Path: base + "/settings/cloud-accounts"})
		if c.opts.Discovery != nil {
			out = append(out, NavLink{Key: "dsc.link", Path: base + "/settings/cloud-discovery"})
		}
	}
	if c.opts.OnCall != nil && staff(p) {
		out = append(out, NavLink{Key: "onc.link", Path: base + "/oncall"})
	}
	return append(out, c.serviceDeskLinks(tenant, p)...)
}

// registerServiceDesk adds the pages of the service desk's records that are wired.
func (c *Console) registerServiceDesk(page func(string, pageHandler)) {
	if c.opts.Requests != nil {
		page("GET /tenants/{tenant}/catalog", c.showCatalog)
		page("POST /tenants/{tenant}/catalog", c.createCatalogItem)
		page("GET /tenants/{tenant}/requests", c.listRequests)
		page("POST /tenants/{tenant}/requests", c.openRequest)
		page("GET /tenants/{tenant}/requests/{id}", c.showRequest)
		page("POST /tenants/{tenant}/requests/{id}/decision", c.decideRequest)
		page("POST /tenants/{tenant}/requests/{id}/notes", c.addRequestNote)
		page("POST /tenants/{tenant}/requests/{id}/state", c.transitionRequest)
	}
	if c.opts.Books != nil {
		page("GET /tenants/{tenant}/checklists", c.listChecklists)
		page("POST /tenants/{tenant}/checklists", c.createChecklist)
		page("GET /tenants/{tenant}/checklists/{id}", c.showChecklist)
		page("POST /tenants/{tenant}/checklists/{id}", c.updateChecklist)
		page("POST /tenants/{tenant}/checklists/{id}/days/{date}/items/{item}", c.completeChecklistItem)
		page("GET /tenants/{tenant}/runbooks", c.listRunbooks)
		page("POST /tenants/{tenant}/runbooks", c.createRunbook)
		page("GET /tenants/{tenant}/runbooks/{id}", c.showRunbook)
		page("POST /tenants/{tenant}/runbooks/{id}", c.updateRunbook)
	}
	if c.opts.VendorCases != nil {
		page("GET /tenants/{tenant}/vendor-cases", c.listVendorCases)
		if c.opts.IncidentDesk != nil {
			page("POST /tenants/{tenant}/incidents/{id}/vendor-cases", c.vendorCaseAction("incidents", true))
			page("POST /tenants/{tenant}/incidents/{id}/vendor-cases/{case}", c.vendorCaseAction("incidents", false))
		}
		if c.opts.Requests != nil {
			page("POST /tenants/{tenant}/requests/{id}/vendor-cases", c.vendorCaseAction("requests", true))
			page("POST /tenants/{tenant}/requests/{id}/vendor-cases/{case}", c.vendorCaseAction("requests", false))
		}
	}
	if c.opts.ServiceNow != nil {
		page("GET /tenants/{tenant}/settings/servicenow", c.showServiceNow)
		page("POST /tenants/{tenant}/settings/servicenow", c.saveServiceNow)
	}
	if c.opts.StatusPages != nil {
		page("GET /tenants/{tenant}/settings/status-page", c.showStatusSettings)
		page("POST /tenants/{tenant}/settings/status-page", c.saveStatusSettings)
		page("POST /tenants/{tenant}/settings/status-page/notices", c.publishStatus)
	}
	if c.opts.WorkReports != nil {
		page("GET /tenants/{tenant}/work-reports", c.listWorkReports)
		page("POST /tenants/{tenant}/work-reports", c.createWorkReport)
		page("GET /tenants/{tenant}/work-reports/{id}", c.showWorkReport)
		page("POST /tenants/{tenant}/work-reports/{id}", c.updateWorkReport)
	}
}

// serviceDeskLinks are the tenant's service desk pages, alphabetical by
// key, for its page: staff-only ones only for the staff.
func (c *Console) serviceDeskLinks(tenant string, p *page) []NavLink {
	base := "/tenants/" + tenant
	var out []NavLink
	if c.opts.Requests != nil {
		out = append(out, NavLink{Key: "cat.link", Path: base + "/catalog"})
	}
	if c.opts.Books != nil && staff(p) {
		out = append(out, NavLink{Key: "cl.link", Path: base + "/checklists"})
	}
	if c.opts.Requests != nil {
		out = append(out, NavLink{Key: "req.link", Path: base + "/requests"})
	}
	if c.opts.Books != nil && staff(p) {
		out = append(out, NavLink{Key: "rb.link", Path: base + "/runbooks"})
	}
	if c.opts.ServiceNow != nil && p.P.Can(model.ScopeAdmin) {
		out = append(out, NavLink{Key: "sn.link", Path: base + "/settings/servicenow"})
	}
	if c.opts.VendorCases != nil {
		out = append(out, NavLink{Key: "vc.link", Path: base + "/vendor-cases"})
	}
	if c.opts.WorkReports != nil {
		out = append(out, NavLink{Key: "wr.link", Path: base + "/work-reports"})
	}
	if c.opts.StatusPages != nil && staff(p) && p.P.Can(model.ScopeWrite) {
		out = append(out, NavLink{Key: "stp.link", Path: base + "/settings/status-page"})
	}
	return out
}
