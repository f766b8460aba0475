package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
)

// snowData is a tenant's ServiceNow connection. Its secrets are write-only:
// the page says whether one is set, never what it is.
type snowData struct {
	Tenant *model.Tenant
	Config *servicenow.Config // nil: not configured
	Tables []snowTable        // each kind's table, with the tables it may go to
}

// snowTable is one row of the table mapping: a kind of record, the
// ServiceNow table it goes to, and the tables it may go to.
type snowTable struct {
	Kind    servicenow.Kind
	Table   string
	Choices []string
}

// snowTables is the mapping rows of cfg (nil: the defaults).
func snowTables(cfg *servicenow.Config) []snowTable {
	var set servicenow.Tables
	if cfg != nil {
		set = cfg.Tables
	}
	var out []snowTable
	for _, k := range servicenow.Kinds {
		out = append(out, snowTable{Kind: k, Table: set.For(k), Choices: servicenow.TableChoices(k)})
	}
	return out
}

// snowSettings is the path's tenant for an admin, as the API asks.
func (c *Console) snowSettings(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	return t, require(p, model.ScopeAdmin)
}

func (c *Console) showServiceNow(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderServiceNow(w, r, p, http.StatusOK)
}

func (c *Console) renderServiceNow(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.snowSettings(r, p)
	if err != nil {
		return err
	}
	d := &snowData{Tenant: t}
	d.Config, err = c.opts.ServiceNow.Get(r.Context(), t.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	d.Tables = snowTables(d.Config)
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("sn.title", t.Name), d
	c.render(w, status, "servicenow", p)
	return nil
}

// saveServiceNow sets the connection; an empty secret keeps the stored one
// (the store's rule, which also asks for it again when the URL changes).
// The form never shows a secret again, even after a refusal.
func (c *Console) saveServiceNow(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.snowSettings(r, p)
	if err != nil {
		return err
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	enabled := r.PostFormValue("enabled") == "on"
	in := servicenow.ConfigInput{InstanceURL: f("instance_url"), Auth: servicenow.AuthKind(f("auth")), Username: f("username"),
		Password: r.PostFormValue("password"), ClientID: f("client_id"), ClientSecret: r.PostFormValue("client_secret"), Enabled: &enabled}
	for _, k := range servicenow.Kinds {
		if v, ok := r.PostForm["table."+string(k)]; ok && len(v) > 0 {
			if in.Tables == nil {
				in.Tables = servicenow.Tables{}
			}
			in.Tables[k] = strings.TrimSpace(v[0])
		}
	}
	if _, err := c.opts.ServiceNow.Put(audited(r, p, t.ID, "update", "servicenow_config", t.ID, nil), t.ID, in); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderServiceNow(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/servicenow", http.StatusSeeOther)
	return nil
}

// snowLink is the ServiceNow record of a record of tenant, for its page; nil
// when ServiceNow is not wired, the record is not synced, or the link
// cannot be read (the page shows without it, the error is logged).
func (c *Console) snowLink(r *http.Request, tenant string, kind servicenow.Kind, id int64) *servicenow.Link {
	if c.opts.ServiceNow == nil {
		return nil
	}
	l, err := c.opts.ServiceNow.Linked(r.Context(), tenant, kind, id)
	if err != nil {
		c.logger.Warn("console: ServiceNow link unreadable", "tenant", tenant, "kind", kind, "id", id, "err", err)
	}
	return l
}
