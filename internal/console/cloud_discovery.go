package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// discoveryData is a tenant's discovery page: the rules, each account's
// last run, and the resources discovery registered.
type discoveryData struct {
	Tenant    *model.Tenant
	Types     []discovery.TypeView
	Rules     discovery.Rules
	TagsText  string // the rules' tags, one key=value a line
	Accounts  []*cloudaccount.View
	Runs      map[int64]discovery.Run
	Resources []discovery.Discovered
	CanEdit   bool
}

// Chosen reports whether the rules name type short.
func (d *discoveryData) Chosen(short string) bool {
	for _, t := range d.Rules.Types {
		if t == short {
			return true
		}
	}
	return false
}

func (c *Console) showDiscovery(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderDiscovery(w, r, p, http.StatusOK, nil)
}

func (c *Console) renderDiscovery(w http.ResponseWriter, r *http.Request, p *page, status int, rules *discovery.Rules) error {
	t, err := c.cloudSettings(r, p, false)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &discoveryData{Tenant: t, Types: discovery.Catalogue(), CanEdit: p.P.Can(model.ScopeWrite), Runs: map[int64]discovery.Run{}}
	if rules != nil {
		d.Rules = *rules
	} else if d.Rules, err = c.opts.Discovery.Rules(ctx, t.ID); err != nil {
		return err
	}
	var tags []string
	for k, v := range d.Rules.Tags {
		tags = append(tags, k+"="+v)
	}
	d.TagsText = strings.Join(tags, "\n")
	if d.Accounts, err = c.opts.CloudAccounts.List(ctx, t.ID); err != nil {
		return err
	}
	runs, err := c.opts.Discovery.Runs(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, run := range runs {
		d.Runs[run.AccountID] = run
	}
	if d.Resources, err = c.opts.Discovery.Resources(ctx, t.ID, 0); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("dsc.title", t.Name), d
	c.render(w, status, "cloud_discovery", p)
	return nil
}

// discoveryRules reads the rules form: checked types, key=value tag
// lines, comma-separated resource groups and regions.
func discoveryRules(r *http.Request) discovery.Rules {
	list := func(k string) []string {
		var out []string
		for _, v := range strings.Split(r.PostFormValue(k), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	rules := discovery.Rules{Types: r.PostForm["types"], Tags: map[string]string{}, ResourceGroups: list("resource_groups"), Regions: list("regions")}
	for _, line := range strings.Split(r.PostFormValue("tags"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			v = "*"
		}
		rules.Tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return rules
}

func (c *Console) saveDiscoveryRules(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.cloudSettings(r, p, true)
	if err != nil {
		return err
	}
	in := discoveryRules(r)
	if _, err := c.opts.Discovery.SetRules(audited(r, p, t.ID, "update", "discovery_rules", t.ID, nil), t.ID, in); err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderDiscovery(w, r, p, http.StatusBadRequest, &in)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/cloud-discovery", http.StatusSeeOther)
	return nil
}

// runDiscovery discovers one account now and shows the outcome.
func (c *Console) runDiscovery(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.cloudSettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(audited(r, p, t.ID, "discover", "cloud_account", r.PathValue("id"), nil), discovery.RunTimeout)
	defer cancel()
	run, err := c.opts.Discovery.Discover(ctx, t.ID, id)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return err
	}
	if run.OK {
		p.Notice = p.L.T("dsc.run_ok", run.Found, run.Registered, run.Gone)
		return c.renderDiscovery(w, r, p, http.StatusOK, nil)
	}
	p.Error = p.L.T("dsc.run_failed", run.Message)
	return c.renderDiscovery(w, r, p, http.StatusBadGateway, nil)
}
