package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// vendorBlock is the vendor cases (問い合わせ代行) of one incident or
// inquiry as its page shows them, with the forms to add and move them.
type vendorBlock struct {
	Base     string // the ticket's page; the forms post under it
	Cases    []*incident.VendorCase
	Staff    bool // reads the internal notes
	CanAct   bool
	CanOpen  bool // the ticket is open: a case may be added
	Vendors  []incident.Vendor
	Statuses []incident.CaseStatus
}

// vendorBlock reads the cases of inc for its page; nil when vendor cases
// are not wired or inc is a catalog request, which takes none.
func (c *Console) vendorBlock(ctx context.Context, p *page, inc *incident.Incident, base string) (*vendorBlock, error) {
	if c.opts.VendorCases == nil || (inc.Kind != incident.KindIncident && inc.Kind != incident.KindInquiry) {
		return nil, nil
	}
	list, err := c.opts.VendorCases.VendorCases(ctx, inc.TenantID, inc.ID)
	if err != nil {
		return nil, err
	}
	b := &vendorBlock{Base: base, Cases: list, Staff: staff(p), CanAct: staff(p) && p.P.Can(model.ScopeWrite),
		Vendors: incident.Vendors, Statuses: incident.CaseStatuses}
	b.CanOpen = b.CanAct && inc.State.Open()
	if !b.Staff {
		for _, vc := range list {
			vc.Notes = ""
		}
	}
	return b, nil
}

// vendorCasesData is the tenant's vendor cases, longest waiting first.
type vendorCasesData struct {
	Tenant *model.Tenant
	Cases  []*incident.VendorCase
	All    bool
}

// listVendorCases shows the tenant's active vendor cases (all with
// ?view=all) with the time each has waited on its vendor.
func (c *Console) listVendorCases(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	d := &vendorCasesData{Tenant: t, All: r.URL.Query().Get("view") == "all"}
	if d.Cases, err = c.opts.VendorCases.TenantVendorCases(r.Context(), t.ID, incident.CaseFilter{All: d.All}); err != nil {
		return err
	}
	if !staff(p) {
		for _, vc := range d.Cases {
			vc.Notes = ""
		}
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("vc.title", t.Name), d
	c.render(w, http.StatusOK, "vendorcases", p)
	return nil
}

// vendorCaseAction serves the vendor-case forms of a ticket under coll
// ("incidents" or "requests"): open a case, or (with {case}) change its
// status, severity or notes. Only the MSP's staff with write act.
func (c *Console) vendorCaseAction(coll string, open bool) pageHandler {
	kind := incident.KindIncident
	if coll == "requests" {
		kind = incident.KindInquiry
	}
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		t, err := c.tenant(r, p)
		if err != nil {
			return err
		}
		if !staff(p) {
			return errForbidden
		}
		if err := require(p, model.ScopeWrite); err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		inc, err := c.opts.VendorCases.Incident(r.Context(), t.ID, id)
		if err != nil {
			return deskError(err)
		}
		if inc.Kind != kind {
			return storage.ErrNotFound
		}
		action, objID := "create", ""
		if !open {
			action, objID = "update", r.PathValue("case")
		}
		ctx := audited(r, p, t.ID, action, "vendor_case", objID, map[string]string{"status": r.PostFormValue("status")})
		if err := deskError(c.doVendorCase(ctx, r, p, t.ID, id, open)); err != nil {
			if msg := refused(p, err); msg != "" {
				p.Error = msg
				if coll == "requests" {
					return c.renderRequest(w, r, p, http.StatusBadRequest)
				}
				return c.renderIncident(w, r, p, http.StatusBadRequest)
			}
			return err
		}
		http.Redirect(w, r, "/tenants/"+t.ID+"/"+coll+"/"+strconv.FormatInt(id, 10)+"#vendor-cases", http.StatusSeeOther)
		return nil
	}
}

// doVendorCase reads the form and opens or updates the case.
func (c *Console) doVendorCase(ctx context.Context, r *http.Request, p *page, tenant string, id int64, open bool) error {
	form := func(name string) string { return r.PostFormValue(name) }
	if open {
		in := incident.CaseInput{Vendor: incident.Vendor(form("vendor")), VendorName: form("vendor_name"),
			CaseNumber: form("case_number"), Severity: strings.TrimSpace(form("severity")), SupportPlan: strings.TrimSpace(form("support_plan")),
			Status: incident.CaseStatus(form("status")), Notes: form("notes")}
		if s := form("opened_at"); s != "" {
			at, err := time.ParseInLocation("2006-01-02T15:04", s, p.L.Loc)
			if err != nil {
				return refusedField("opened_at", "enter a date and time")
			}
			in.OpenedAt = &at
		}
		_, err := c.opts.VendorCases.OpenVendorCase(ctx, tenant, id, p.P.Name, in)
		return err
	}
	caseID, err := strconv.ParseInt(r.PathValue("case"), 10, 64)
	if err != nil || caseID <= 0 {
		return storage.ErrNotFound
	}
	var e incident.CaseEdit
	if s := incident.CaseStatus(form("status")); s != "" {
		e.Status = &s
	}
	for name, dst := range map[string]**string{"severity": &e.Severity, "notes": &e.Notes} {
		if _, ok := r.PostForm[name]; ok {
			v := r.PostFormValue(name)
			*dst = &v
		}
	}
	_, err = c.opts.VendorCases.UpdateVendorCase(ctx, tenant, id, caseID, p.P.Name, e)
	return err
}
