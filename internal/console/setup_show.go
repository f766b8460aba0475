package console

import (
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// setupData is the guided first setup: a tenant, a service, a token and the
// agent's command line, each step done or the link that does it.
type setupData struct {
	Tenants  []*model.Tenant
	Tenant   *model.Tenant // the tenant being set up; nil: step 1
	Services []*model.Service
	Hosts    []*model.Resource
	Mode     string // "enroll" or "host"
	Host     string
	Command  string // the agent's command line with the new token, shown once
	Windows  string
	Server   string
	Attempts []monitoring.Attempt
	Errs     fieldErrors
}

// mayRunSetup: the guide issues tokens, which only an MSP admin may.
func mayRunSetup(p *page) error {
	if !p.P.Global() {
		return errForbidden
	}
	return require(p, model.ScopeAdmin)
}

func (c *Console) showSetup(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := mayRunSetup(p); err != nil {
		return err
	}
	d := &setupData{Mode: "enroll", Errs: fieldErrors{}}
	return c.renderSetup(w, r, p, d, r.URL.Query().Get("tenant"), http.StatusOK)
}

func (c *Console) renderSetup(w http.ResponseWriter, r *http.Request, p *page, d *setupData, tenant string, status int) error {
	var err error
	if d.Tenants, err = c.opts.Store.Tenants(r.Context(), ""); err != nil {
		return err
	}
	if tenant != "" {
		if d.Tenant, err = c.opts.Store.Tenant(r.Context(), tenant); err != nil {
			return err
		}
		if d.Services, err = c.opts.Store.Services(r.Context(), tenant); err != nil {
			return err
		}
		if d.Hosts, err = c.opts.Store.Resources(r.Context(), tenant, storage.ResourceFilter{Kind: "host"}); err != nil {
			return err
		}
		if d.Attempts, err = c.unregistered(r, tenant); err != nil {
			return err
		}
	}
	d.Server = c.serverURL(r)
	p.Active, p.Title, p.Data = "adm.setup", p.L.T("adm.setup"), d
	c.render(w, status, "setup", p)
	return nil
}

// serverURL is the address agents reach the server at: --external-url, or
// the address this page was asked for.
func (c *Console) serverURL(r *http.Request) string {
	if c.opts.ServerURL != "" {
		return strings.TrimRight(c.opts.ServerURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// createSetupToken issues the tenant's agent token and shows the command
// line with it, once: an enroll token (the agent registers its host
// itself) or an ingest token for one host registered by hand.
func (c *Console) createSetupToken(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := mayRunSetup(p); err != nil {
		return err
	}
	tenant := r.PostFormValue("tenant")
	if _, err := c.opts.Store.Tenant(r.Context(), tenant); err != nil {
		return err
	}
	d := &setupData{Mode: r.PostFormValue("mode"), Host: strings.TrimSpace(r.PostFormValue("host")), Errs: fieldErrors{}}
	tok := &model.Token{TenantID: tenant, CreatedBy: p.P.Name}
	switch d.Mode {
	case "enroll":
		tok.Name, tok.Scopes = "agent-enroll", []model.Scope{model.ScopeEnroll}
	case "host":
		tok.Name, tok.Scopes = "agent-"+d.Host, []model.Scope{model.ScopeIngest}
	default:
		d.Mode = "enroll"
		refuseFields(p, invalid.New("mode", "must be enroll or host"), d.Errs, map[string]string{"mode": "mode"}, "")
		return c.renderSetup(w, r, p, d, tenant, http.StatusBadRequest)
	}
	if d.Mode == "host" {
		if _, err := c.resourceNamed(r, tenant, d.Host); err != nil {
			refuseFields(p, invalid.New("host", "choose a host of the tenant: register it first"), d.Errs, map[string]string{"host": "host"}, "")
			return c.renderSetup(w, r, p, d, tenant, http.StatusBadRequest)
		}
	}
	secret, hash := auth.NewToken()
	tok.Hash, tok.Prefix = hash, auth.DisplayPrefix(secret)
	if err := tok.Validate(); err != nil {
		return err
	}
	if err := c.opts.Store.CreateToken(audited(r, p, tenant, "create", "token", "", map[string]any{"name": tok.Name, "scopes": tok.Scopes}), tok); err != nil {
		return err
	}
	server := c.serverURL(r)
	if d.Mode == "enroll" {
		d.Command = "sudo unyo-agent --enroll " + secret + " --server " + server
		d.Windows = "unyo-agent.exe --enroll " + secret + " --server " + server
	} else {
		d.Command = "sudo unyo-agent -server " + server + " -token " + secret + " -host " + d.Host
		d.Windows = "unyo-agent.exe -server " + server + " -token " + secret + " -host " + d.Host
	}
	return c.renderSetup(w, r, p, d, tenant, http.StatusCreated)
}

// resourceNamed finds a resource of the tenant by name.
func (c *Console) resourceNamed(r *http.Request, tenant, name string) (*model.Resource, error) {
	list, err := c.opts.Store.Resources(r.Context(), tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, err
	}
	for _, res := range list {
		if res.Name == name {
			return res, nil
		}
	}
	return nil, storage.ErrNotFound
}

// unregistered lists the hosts that pulled a configuration in tenant as a
// name it has no resource for; none when monitoring is not wired.
func (c *Console) unregistered(r *http.Request, tenant string) ([]monitoring.Attempt, error) {
	if c.opts.Design == nil {
		return nil, nil
	}
	list, err := c.opts.Store.Resources(r.Context(), tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, res := range list {
		names[res.Name] = true
	}
	return c.opts.Design.Unregistered(r.Context(), tenant, func(h string) bool { return names[h] }, c.now())
}
