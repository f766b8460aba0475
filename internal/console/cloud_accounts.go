package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// cloudData is a tenant's cloud accounts and what the reader may do.
type cloudData struct {
	Tenant    *model.Tenant
	Accounts  []*cloudaccount.View
	CanEdit   bool
	Endpoints bool // the reader is the MSP admin, who alone sets endpoints
	Discovery bool // the discovery page is served
}

// cloudSettings is for the MSP's staff: a customer viewer has no settings.
func (c *Console) cloudSettings(r *http.Request, p *page, write bool) (*model.Tenant, error) {
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

func (c *Console) showCloudAccounts(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderCloudAccounts(w, r, p, http.StatusOK, nil)
}

func (c *Console) renderCloudAccounts(w http.ResponseWriter, r *http.Request, p *page, status int, d *cloudData) error {
	t, err := c.cloudSettings(r, p, false)
	if err != nil {
		return err
	}
	if d == nil {
		d = &cloudData{}
	}
	d.Tenant, d.CanEdit, d.Endpoints, d.Discovery = t, p.P.Can(model.ScopeWrite), cloudaccount.MSPAdmin(p.P), c.opts.Discovery != nil
	if d.Accounts, err = c.opts.CloudAccounts.List(r.Context(), t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("cld.title", t.Name), d
	c.render(w, status, "cloud_accounts", p)
	return nil
}

// cloudInput reads the add form: the fields of the chosen provider only.
// Endpoint fields are read for the MSP admin only; for anyone else the
// store refuses them anyway.
func cloudInput(r *http.Request, admin bool) cloudaccount.Input {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := cloudaccount.Input{Name: f("name"), Provider: cloudaccount.Provider(f("provider"))}
	switch in.Provider {
	case cloudaccount.ProviderAzure:
		in.Azure = &cloudaccount.AzureInput{TenantID: f("azure_tenant_id"), ClientID: f("client_id"), SubscriptionID: f("subscription_id")}
		// Only the chosen credential's fields are read, so a secret typed
		// and then abandoned for a certificate is not sent along.
		switch f("azure_credential") {
		case cloudaccount.CredentialCertificate:
			in.Azure.ClientCertificate, in.Azure.ClientCertificatePassword = f("client_certificate"), r.PostFormValue("client_certificate_password")
		case cloudaccount.CredentialWorkload:
			if admin {
				in.Azure.FederatedTokenFile = f("federated_token_file")
			}
		default:
			in.Azure.ClientSecret = r.PostFormValue("client_secret")
		}
		if admin {
			in.Azure.ResourceManager, in.Azure.Login = f("resource_manager"), f("login")
		}
	case cloudaccount.ProviderAWS:
		in.AWS = &cloudaccount.AWSInput{AccessKeyID: f("access_key_id"), SecretAccessKey: r.PostFormValue("secret_access_key"),
			RoleARN: f("role_arn"), ExternalID: f("external_id")}
		for _, reg := range strings.Split(f("regions"), ",") {
			if reg = strings.TrimSpace(reg); reg != "" {
				in.AWS.Regions = append(in.AWS.Regions, reg)
			}
		}
		if admin {
			in.AWS.Endpoint = f("endpoint")
		}
	}
	return in
}

// createCloudAccount stores an account. The form is never filled in
// again after a refusal: it holds a secret.
func (c *Console) createCloudAccount(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.cloudSettings(r, p, true)
	if err != nil {
		return err
	}
	admin := cloudaccount.MSPAdmin(p.P)
	_, err = c.opts.CloudAccounts.Create(audited(r, p, t.ID, "create", "cloud_account", "", nil), t.ID, cloudInput(r, admin), admin)
	if err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderCloudAccounts(w, r, p, http.StatusBadRequest, nil)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/cloud-accounts", http.StatusSeeOther)
	return nil
}

// testCloudAccount runs the connection test and shows its result.
func (c *Console) testCloudAccount(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.cloudSettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := c.opts.CloudAccounts.Account(r.Context(), t.ID, id)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), cloudaccount.TestTimeout)
	defer cancel()
	res := c.opts.CloudTest(ctx, a)
	c.logger.Info("console: cloud account tested", "tenant", t.ID, "account", id, "ok", res.OK, "stage", res.Stage, "code", res.Code)
	c.opts.Store.Audit(r.Context(), storage.AuditEntry{TenantID: t.ID, Actor: p.P.Name, Action: "test", ObjectType: "cloud_account",
		ObjectID: strconv.FormatInt(id, 10)}, map[string]any{"ok": res.OK, "stage": res.Stage, "code": res.Code})
	if res.OK {
		// The identity reached reads the same in both languages; the
		// sentence around it is the connection test's, in English.
		reached := res.Identity
		if reached == "" {
			reached = res.Message
		}
		p.Notice = p.L.T("cld.test_ok", a.Name, reached)
		return c.renderCloudAccounts(w, r, p, http.StatusOK, nil)
	}
	code := res.Code
	if res.Status != 0 {
		code = strings.TrimSpace(strconv.Itoa(res.Status) + " " + res.Code)
	}
	p.Error = p.L.T("cld.test_failed", a.Name, res.Stage, code, res.Message)
	return c.renderCloudAccounts(w, r, p, http.StatusBadGateway, nil)
}
