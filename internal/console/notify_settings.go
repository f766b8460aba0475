package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/storage"
)

// policyStepRows is how many step rows the policy form offers; the edit
// form offers a policy's steps and one more, up to maxPolicyRows.
const (
	policyStepRows = 3
	maxPolicyRows  = 20
)

// notifyData is a tenant's channels, contacts and escalation policies.
type notifyData struct {
	Tenant   *model.Tenant
	Channels []*channel.Channel
	Contacts []*channel.Contact
	Policies []*escalation.Policy
	Types    []string
	Steps    []int
	CanEdit  bool
}

// notifySettings is for the MSP's staff: a customer viewer has no settings.
func (c *Console) notifySettings(r *http.Request, p *page, write bool) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) {
		return nil, errForbidden
	}
	if write {
		if err := require(p, model.ScopeWrite); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (c *Console) showNotifySettings(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderNotifySettings(w, r, p, http.StatusOK)
}

func (c *Console) renderNotifySettings(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.notifySettings(r, p, false)
	if err != nil {
		return err
	}
	d := &notifyData{Tenant: t, Types: []string{channel.TypeEmail, channel.TypeSlack, channel.TypeTeams, channel.TypeWebhook},
		CanEdit: p.P.Can(model.ScopeWrite)}
	for i := range policyStepRows {
		d.Steps = append(d.Steps, i)
	}
	ctx := r.Context()
	if d.Channels, err = c.opts.Channels.List(ctx, t.ID); err != nil {
		return err
	}
	if d.Contacts, err = c.opts.Channels.Contacts(ctx, t.ID); err != nil {
		return err
	}
	if d.Policies, err = c.opts.Policies.List(ctx, t.ID, false); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("ntf.title", t.Name), d
	c.render(w, status, "notifications", p)
	return nil
}

// notifyDone goes back to the settings page, or shows it with the reason.
func (c *Console) notifyDone(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, err error) error {
	if err != nil {
		msg := refused(p, deskError(err))
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderNotifySettings(w, r, p, http.StatusBadRequest)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/notifications", http.StatusSeeOther)
	return nil
}

// testChannel sends the test message and says whether it arrived.
func (c *Console) testChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := c.opts.Channels.SendTest(r.Context(), t.ID, id); err != nil {
		if se := deskError(err); errors.Is(se, storage.ErrNotFound) {
			return se
		}
		if se, ok := errors.AsType[*channel.SendError](err); ok {
			err = se.Err
		}
		// Only the kind and status: the destination's answer could be an
		// internal page, and stays in the server log.
		c.logger.Warn("console: test message failed", "tenant", t.ID, "channel", id, "err", err)
		p.Error = p.L.T("ntf.test_failed", failureText(p.L, notify.Describe(err)))
		return c.renderNotifySettings(w, r, p, http.StatusBadGateway)
	}
	c.opts.Store.Audit(r.Context(), storage.AuditEntry{TenantID: t.ID, Actor: p.P.Name, Action: "test",
		ObjectType: "channel", ObjectID: strconv.FormatInt(id, 10)}, nil)
	p.Notice = p.L.T("ntf.test_sent")
	return c.renderNotifySettings(w, r, p, http.StatusOK)
}

// failureText is f in the reader's language.
func failureText(l locale, f notify.Failure) string {
	if f.Kind == notify.FailStatus {
		return l.T("ntf.fail.status", f.Status)
	}
	return l.T("ntf.fail." + string(f.Kind))
}

// createContact stores a person mailed through one of the tenant's email channels.
func (c *Console) createContact(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	ct := &channel.Contact{Tenant: t.ID, Name: r.PostFormValue("name"), Email: strings.TrimSpace(r.PostFormValue("email")),
		Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("time_zone"), Via: r.PostFormValue("via")}
	err = c.opts.Channels.CreateContact(audited(r, p, t.ID, "create", "contact", "", nil), ct)
	return c.notifyDone(w, r, p, t, err)
}

// createPolicy stores an escalation policy from up to policyStepRows steps;
// a step row without targets is left out.
func (c *Console) createPolicy(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	pol := &escalation.Policy{Tenant: t.ID}
	if err := readPolicy(r, pol); err != nil {
		return c.notifyDone(w, r, p, t, err)
	}
	err = c.opts.Policies.Create(audited(r, p, t.ID, "create", "escalation_policy", "", nil), pol)
	return c.notifyDone(w, r, p, t, err)
}

// readPolicy fills pol from the policy form (create or edit).
func readPolicy(r *http.Request, pol *escalation.Policy) error {
	pol.Name, pol.Default, pol.When, pol.Repeat, pol.Steps = r.PostFormValue("name"), r.PostFormValue("default") == "on", r.PostFormValue("when"), 0, nil
	if v := r.PostFormValue("repeat"); v != "" {
		var err error
		if pol.Repeat, err = strconv.Atoi(v); err != nil {
			return refusedField("repeat", "is not a number")
		}
	}
	targets, waits, whens := r.PostForm["step_targets"], r.PostForm["step_wait"], r.PostForm["step_when"]
	if len(targets) > maxPolicyRows || len(waits) != len(targets) || len(whens) != len(targets) {
		return refusedField("steps", "the form's steps do not match: reload the page")
	}
	for i, tg := range targets {
		var st escalation.Step
		for _, s := range strings.Split(tg, ",") {
			if s = strings.TrimSpace(s); s != "" {
				st.Targets = append(st.Targets, s)
			}
		}
		if len(st.Targets) == 0 {
			continue
		}
		if waits[i] != "" {
			d, err := time.ParseDuration(waits[i])
			if err != nil {
				return refusedField("steps["+strconv.Itoa(i)+"].wait", "is not a duration such as 15m")
			}
			st.Wait = model.Duration(d)
		}
		st.When = whens[i]
		pol.Steps = append(pol.Steps, st)
	}
	return nil
}

// listNotifyTenants is the way into each tenant's notification settings
// for the MSP's staff.
func (c *Console) listNotifyTenants(w http.ResponseWriter, r *http.Request, p *page) error {
	if !staff(p) {
		return errForbidden
	}
	ts, err := c.opts.Store.Tenants(r.Context(), "")
	if err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "ntf.link", p.L.T("ntf.link"), ts
	c.render(w, http.StatusOK, "notify_tenants", p)
	return nil
}
