package blueprint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/response"
)

// CloudAccount is an Azure subscription (a service principal) or an AWS
// account the tenant's cloud monitoring, backups and capacity plans reach
// the cloud through. Its secrets are ${env:NAME} or ${file:path}
// references in the files.
type CloudAccount struct {
	Name     string      `json:"name"`
	Provider string      `json:"provider"` // azure or aws
	Azure    *CloudAzure `json:"azure,omitempty"`
	AWS      *CloudAWS   `json:"aws,omitempty"`
}

// CloudAzure is an Azure account's service principal: exactly one of a
// client secret, a client certificate (PEM with its key, or a PFX file in
// base64 with its password) or a federated token file.
type CloudAzure struct {
	TenantID                  string `json:"tenant_id"`
	ClientID                  string `json:"client_id"`
	SubscriptionID            string `json:"subscription_id"`
	ClientSecret              string `json:"client_secret,omitempty"`
	ClientCertificate         string `json:"client_certificate,omitempty"`
	ClientCertificatePassword string `json:"client_certificate_password,omitempty"`
	FederatedTokenFile        string `json:"federated_token_file,omitempty"` // a path on the server: the MSP admin's to set
	ResourceManager           string `json:"resource_manager,omitempty"`     // sovereign clouds: the MSP admin's to set
	Login                     string `json:"login,omitempty"`
}

// CloudAWS is an AWS account's access key, and the role it assumes.
type CloudAWS struct {
	AccessKeyID     string   `json:"access_key_id"`
	SecretAccessKey string   `json:"secret_access_key,omitempty"`
	RoleARN         string   `json:"role_arn,omitempty"`
	ExternalID      string   `json:"external_id,omitempty"`
	Regions         []string `json:"regions"`
	Endpoint        string   `json:"endpoint,omitempty"` // the MSP admin's to set
}

// secretMark is how the compared form of an account or of ServiceNow
// settings shows a secret that is set.
const secretMark = "(secret)"

// clouds are cloud accounts (クラウドアカウント).
type clouds struct{}

func (clouds) name() string { return KindCloudAccount }

func (clouds) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Clouds.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, v := range list {
		st.x.setCloud(v.Name, v.ID)
		st.put(KindCloudAccount, v.Name, &object{id: v.ID, design: cloudOf(v), stored: v})
	}
	return nil
}

func (clouds) want(d *Design, tenant string, x *ids, add adder) error {
	for i, c := range d.CloudAccounts {
		in, err := c.input().Check()
		if err != nil {
			return invalid.Prefix(fmt.Sprintf("design.cloud_accounts[%d]", i), err)
		}
		x.setCloud(c.Name, int64(-i-1))
		add(c.Name, cloudShown(in), c)
	}
	return nil
}

func (clouds) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, c := range d.CloudAccounts {
		at := fmt.Sprintf("cloud_accounts[%d]", i)
		u.add("cloud_accounts", at, "name", c.Name)
		x.setCloud(c.Name, int64(i+1))
		if c.Name != strings.TrimSpace(c.Name) {
			l.fail(at, "name", "must not begin or end with spaces")
		}
		if a := c.Azure; a != nil && c.Provider == string(cloudaccount.ProviderAzure) && countSet(a.ClientSecret, a.ClientCertificate, a.FederatedTokenFile) != 1 {
			l.fail(at, "azure", "give exactly one of client_secret, client_certificate and federated_token_file")
		}
		if a := c.AWS; a != nil && c.Provider == string(cloudaccount.ProviderAWS) && a.SecretAccessKey == "" {
			l.fail(at, "aws.secret_access_key", "is required")
		}
		_, err := unresolvedCloud(c).input().Check()
		l.check(at, err)
	}
}

func (clouds) write(ctx context.Context, w *writer, v any, id int64) error {
	c := v.(CloudAccount)
	msp := cloudaccount.MSPAdmin(auth.FromContext(ctx))
	var err error
	if id == 0 {
		var v *cloudaccount.View
		if v, err = w.s.stores.Clouds.Create(ctx, w.tenant, c.input(), msp); err == nil {
			w.st.x.setCloud(v.Name, v.ID)
		}
	} else {
		err = sameEndpoints(ctx, w.s.stores.Clouds, w.tenant, id, c, msp)
		if err == nil {
			_, err = w.s.stores.Clouds.Update(ctx, w.tenant, id, c.input(), msp)
		}
	}
	if errors.Is(err, cloudaccount.ErrEndpointForbidden) || errors.Is(err, cloudaccount.ErrTokenFileForbidden) {
		return response.Forbidden(err.Error())
	}
	return err
}

// sameEndpoints refuses, to another caller than the MSP admin, a design
// that leaves out or changes the endpoints the MSP set: the store would
// keep them without a word, and every later plan show the change again.
func sameEndpoints(ctx context.Context, s *cloudaccount.Store, tenant string, id int64, c CloudAccount, msp bool) error {
	if msp {
		return nil
	}
	prev, err := s.Get(ctx, tenant, id)
	if err != nil {
		return err
	}
	was, now := cloudOf(prev), cloudShown(c.input())
	if was.Azure != nil && now.Azure != nil && (was.Azure.ResourceManager != now.Azure.ResourceManager || was.Azure.Login != now.Azure.Login) ||
		was.AWS != nil && now.AWS != nil && was.AWS.Endpoint != now.AWS.Endpoint {
		return cloudaccount.ErrEndpointForbidden
	}
	return nil
}

func (clouds) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Clouds.Delete(ctx, tenant, id)
}

func (clouds) export(d *Design, v any) {
	c := v.(CloudAccount)
	ref := func(s *string, field string) {
		if *s == secretMark {
			*s = envRef(c.Name, field)
		}
	}
	if a := c.Azure; a != nil {
		ref(&a.ClientSecret, "client_secret")
		ref(&a.ClientCertificate, "client_certificate")
	}
	if a := c.AWS; a != nil {
		ref(&a.SecretAccessKey, "secret_access_key")
	}
	d.CloudAccounts = append(d.CloudAccounts, c)
}

func (clouds) secrets(l *loader, d *Design) {
	for i := range d.CloudAccounts {
		at := fmt.Sprintf("cloud_accounts[%d]", i)
		for _, s := range d.CloudAccounts[i].secrets() {
			if *s.v != "" && !refRE.MatchString(*s.v) {
				l.fail(at, s.path, "is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
				continue
			}
			*s.v = l.resolve(at+"."+s.path, *s.v)
		}
	}
}

func (clouds) sameSecrets(cur *object, written any) bool {
	return cur.stored.(*cloudaccount.View).SameSecret(written.(CloudAccount).input())
}

func (clouds) refs(d *Design, seen map[string]bool) {
	for _, c := range d.CloudAccounts {
		for _, s := range c.secrets() {
			collectRefs(*s.v, seen)
		}
	}
}

// secrets lists c's secret fields (copying its parts, which the loader
// resolves in place).
func (c *CloudAccount) secrets() []itemSecret {
	var out []itemSecret
	if c.Azure != nil {
		a := *c.Azure
		c.Azure = &a
		out = append(out, itemSecret{"azure.client_secret", &a.ClientSecret}, itemSecret{"azure.client_certificate", &a.ClientCertificate},
			itemSecret{"azure.client_certificate_password", &a.ClientCertificatePassword})
	}
	if c.AWS != nil {
		a := *c.AWS
		c.AWS = &a
		out = append(out, itemSecret{"aws.secret_access_key", &a.SecretAccessKey})
	}
	return out
}

// unresolvedCloud is c with the references left in its secrets (validate,
// offline) taken out, so that the store's rules check the rest: a
// certificate is parsed only once it is resolved.
func unresolvedCloud(c CloudAccount) CloudAccount {
	for _, s := range c.secrets() {
		if refRE.MatchString(*s.v) {
			*s.v = ""
		}
	}
	if c.Azure != nil && c.Azure.ClientSecret == "" && c.Azure.ClientCertificate == "" && c.Azure.ClientCertificatePassword != "" {
		c.Azure.ClientCertificatePassword = "" // its certificate was a reference
	}
	return c
}

func (c CloudAccount) input() cloudaccount.Input {
	in := cloudaccount.Input{Name: c.Name, Provider: cloudaccount.Provider(c.Provider)}
	if a := c.Azure; a != nil {
		in.Azure = &cloudaccount.AzureInput{TenantID: a.TenantID, ClientID: a.ClientID, SubscriptionID: a.SubscriptionID,
			ClientSecret: a.ClientSecret, ClientCertificate: a.ClientCertificate, ClientCertificatePassword: a.ClientCertificatePassword,
			FederatedTokenFile: a.FederatedTokenFile, ResourceManager: a.ResourceManager, Login: a.Login}
	}
	if a := c.AWS; a != nil {
		in.AWS = &cloudaccount.AWSInput{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey, RoleARN: a.RoleARN,
			ExternalID: a.ExternalID, Regions: a.Regions, Endpoint: a.Endpoint}
	}
	return in
}

// cloudShown is a checked input as plans compare it: each secret given is
// "(secret)", the PFX password (not stored) left out.
func cloudShown(in cloudaccount.Input) CloudAccount {
	c := CloudAccount{Name: in.Name, Provider: string(in.Provider)}
	if a := in.Azure; a != nil {
		c.Azure = &CloudAzure{TenantID: a.TenantID, ClientID: a.ClientID, SubscriptionID: a.SubscriptionID,
			ClientSecret: shownSecret(a.ClientSecret), ClientCertificate: shownSecret(a.ClientCertificate),
			FederatedTokenFile: a.FederatedTokenFile, ResourceManager: a.ResourceManager, Login: a.Login}
	}
	if a := in.AWS; a != nil {
		c.AWS = &CloudAWS{AccessKeyID: a.AccessKeyID, SecretAccessKey: shownSecret(a.SecretAccessKey), RoleARN: a.RoleARN,
			ExternalID: a.ExternalID, Regions: a.Regions, Endpoint: a.Endpoint}
	}
	return c
}

// cloudOf is a stored account in the compared form: its credential's
// secret field is "(secret)".
func cloudOf(v *cloudaccount.View) CloudAccount {
	c := CloudAccount{Name: v.Name, Provider: string(v.Provider)}
	if a := v.Azure; a != nil {
		c.Azure = &CloudAzure{TenantID: a.TenantID, ClientID: a.ClientID, SubscriptionID: a.SubscriptionID,
			FederatedTokenFile: a.FederatedTokenFile, ResourceManager: a.ResourceManager, Login: a.Login}
		switch a.Credential {
		case cloudaccount.CredentialCertificate:
			c.Azure.ClientCertificate = secretMark
		case cloudaccount.CredentialSecret:
			c.Azure.ClientSecret = secretMark
		}
	}
	if a := v.AWS; a != nil {
		c.AWS = &CloudAWS{AccessKeyID: a.AccessKeyID, SecretAccessKey: secretMark, RoleARN: a.RoleARN, ExternalID: a.ExternalID,
			Regions: a.Regions, Endpoint: a.Endpoint}
	}
	return c
}

func shownSecret(s string) string {
	if s == "" {
		return ""
	}
	return secretMark
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}

// KindCloudAccount is the kind of cloud accounts in plans.
const KindCloudAccount = "cloud_account"
