package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/model"
)

// contactForm edits one contact; Vias are the tenant's email channels.
type contactForm struct {
	Tenant  *model.Tenant
	Contact *channel.Contact
	Vias    []string
}

// policyForm edits one escalation policy; Steps are its rows (its own
// steps, then one empty row for another).
type policyForm struct {
	Tenant *model.Tenant
	Policy *escalation.Policy
	Steps  []policyRow
}

// Whens are the conditions a policy or a step may hold to ("" always).
func (f *policyForm) Whens() []string { return []string{"", "business_hours", "out_of_hours"} }

// policyRow is one step row of the form.
type policyRow struct {
	I       int
	Targets string
	Wait    string
	When    string
}

func (c *Console) contactAt(r *http.Request, p *page) (*model.Tenant, *channel.Contact, error) {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	ct, err := c.opts.Channels.Contact(r.Context(), t.ID, id)
	return t, ct, deskError(err)
}

func (c *Console) editContact(w http.ResponseWriter, r *http.Request, p *page) error {
	t, ct, err := c.contactAt(r, p)
	if err != nil {
		return err
	}
	return c.renderContactForm(w, r, p, &contactForm{Tenant: t, Contact: ct}, http.StatusOK)
}

func (c *Console) renderContactForm(w http.ResponseWriter, r *http.Request, p *page, f *contactForm, status int) error {
	chs, err := c.opts.Channels.List(r.Context(), f.Tenant.ID)
	if err != nil {
		return err
	}
	for _, ch := range chs {
		if ch.Type == channel.TypeEmail {
			f.Vias = append(f.Vias, ch.Name)
		}
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("adm.contact_edit", f.Contact.Name), f
	c.render(w, status, "contact_form", p)
	return nil
}

func (c *Console) updateContact(w http.ResponseWriter, r *http.Request, p *page) error {
	t, ct, err := c.contactAt(r, p)
	if err != nil {
		return err
	}
	ct.Name, ct.Email, ct.Language, ct.TimeZone, ct.Via = r.PostFormValue("name"), strings.TrimSpace(r.PostFormValue("email")),
		r.PostFormValue("language"), r.PostFormValue("time_zone"), r.PostFormValue("via")
	if err := c.opts.Channels.UpdateContact(audited(r, p, t.ID, "update", "contact", strconv.FormatInt(ct.ID, 10), nil), ct); err != nil {
		if msg := refused(p, deskError(err)); msg != "" {
			p.Error = msg
			return c.renderContactForm(w, r, p, &contactForm{Tenant: t, Contact: ct}, http.StatusBadRequest)
		}
		return deskError(err)
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/settings/notifications")
}

func (c *Console) deleteContact(w http.ResponseWriter, r *http.Request, p *page) error {
	t, ct, err := c.contactAt(r, p)
	if err != nil {
		return err
	}
	if err := c.opts.Channels.DeleteContact(audited(r, p, t.ID, "delete", "contact", strconv.FormatInt(ct.ID, 10), nil), t.ID, ct.ID); err != nil {
		return deskError(err)
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/settings/notifications")
}

func (c *Console) policyAt(r *http.Request, p *page) (*model.Tenant, *escalation.Policy, error) {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	pol, err := c.opts.Policies.Get(r.Context(), t.ID, id)
	return t, pol, deskError(err)
}

func (c *Console) editPolicy(w http.ResponseWriter, r *http.Request, p *page) error {
	t, pol, err := c.policyAt(r, p)
	if err != nil {
		return err
	}
	return c.renderPolicyForm(w, p, t, pol, http.StatusOK)
}

func (c *Console) renderPolicyForm(w http.ResponseWriter, p *page, t *model.Tenant, pol *escalation.Policy, status int) error {
	f := &policyForm{Tenant: t, Policy: pol}
	for i, st := range pol.Steps {
		wait := ""
		if st.Wait > 0 {
			wait = durText(st.Wait.Std())
		}
		f.Steps = append(f.Steps, policyRow{I: i, Targets: strings.Join(st.Targets, ", "), Wait: wait, When: st.When})
	}
	if len(f.Steps) < maxPolicyRows {
		f.Steps = append(f.Steps, policyRow{I: len(f.Steps)})
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("adm.policy_edit", pol.Name), f
	c.render(w, status, "policy_form", p)
	return nil
}

// updatePolicy replaces the steps; a row emptied of targets drops its step.
func (c *Console) updatePolicy(w http.ResponseWriter, r *http.Request, p *page) error {
	t, pol, err := c.policyAt(r, p)
	if err != nil {
		return err
	}
	err = readPolicy(r, pol)
	if err == nil {
		err = c.opts.Policies.Update(audited(r, p, t.ID, "update", "escalation_policy", strconv.FormatInt(pol.ID, 10), nil), pol)
	}
	if err != nil {
		if msg := refused(p, deskError(err)); msg != "" {
			p.Error = msg
			return c.renderPolicyForm(w, p, t, pol, http.StatusBadRequest)
		}
		return deskError(err)
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/settings/notifications")
}

func (c *Console) deletePolicy(w http.ResponseWriter, r *http.Request, p *page) error {
	t, pol, err := c.policyAt(r, p)
	if err != nil {
		return err
	}
	if err := c.opts.Policies.Delete(audited(r, p, t.ID, "delete", "escalation_policy", strconv.FormatInt(pol.ID, 10), nil), t.ID, pol.ID); err != nil {
		return deskError(err)
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/settings/notifications")
}
