// Package cloudaccount holds a tenant's cloud accounts: an Azure
// subscription reached through a service principal, or an AWS account
// reached through an access key or an assumed role. Every part of unyo that
// calls a cloud API for a tenant (backup pollers, capacity actuators, cloud
// discovery and metrics) names one of these accounts instead of keeping its
// own credentials, so a customer's secret is entered, sealed and rotated in
// one place.
//
// This file holds the types every consumer codes against; the store and
// its API seal the secrets with secret.Box like channel secrets.
package cloudaccount

import (
	"context"
	"errors"
	"time"
)

// Provider names a cloud.
type Provider string

// The providers.
const (
	ProviderAzure Provider = "azure"
	ProviderAWS   Provider = "aws"
)

// Account is one cloud account of a tenant, with its secrets open. It is
// handed to the code that builds an SDK client and never serialised to an
// API answer as is.
type Account struct {
	ID        int64
	TenantID  string
	Name      string
	Provider  Provider
	Azure     *Azure // set when Provider is azure
	AWS       *AWS   // set when Provider is aws
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Azure is a subscription reached through a Microsoft Entra service
// principal, which proves itself with exactly one of a client secret, a
// client certificate, or a federated token read from a file (workload
// identity).
type Azure struct {
	TenantID     string // the Entra directory (tenant) ID
	ClientID     string
	ClientSecret string // secret: sealed at rest, never returned
	// ClientCertificate is the PEM of the certificate (chain) and its
	// unencrypted private key: sealed at rest, never returned.
	ClientCertificate string
	// FederatedTokenFile is the path, on the server, of a file holding a
	// token another issuer signed (AZURE_FEDERATED_TOKEN_FILE), sent as
	// the client assertion. It is read at each token request, so the
	// platform rotating it takes effect.
	FederatedTokenFile string
	SubscriptionID     string
	// ResourceManager and Login override the public cloud's endpoints
	// (https://management.azure.com, https://login.microsoftonline.com)
	// for a sovereign cloud, and for the contract fakes in tests. Only the
	// MSP admin may set them, and they pass the outbound policy.
	ResourceManager string
	Login           string
}

// Credential types of an Azure account.
const (
	CredentialSecret      = "secret"
	CredentialCertificate = "certificate"
	CredentialWorkload    = "workload_identity"
)

// Credential says which of its credentials a names.
func (a *Azure) Credential() string {
	switch {
	case a.ClientCertificate != "":
		return CredentialCertificate
	case a.FederatedTokenFile != "":
		return CredentialWorkload
	}
	return CredentialSecret
}

// AWS is an account reached through an IAM access key, optionally assuming
// a role in the customer's account with an external ID (the usual
// cross-account pattern for an MSP).
type AWS struct {
	AccessKeyID     string
	SecretAccessKey string // secret: sealed at rest, never returned
	RoleARN         string // optional: the role to assume
	ExternalID      string // optional: required by the role's trust policy
	Regions         []string
	// Endpoint overrides the services' endpoints, for the contract fakes in
	// tests and for VPC endpoints; only the MSP admin may set it.
	Endpoint string
}

// Resolver finds a tenant's account with its secrets open. A consumer
// (a poller, an actuator) holds one and asks for the account each time it
// builds a client, so a rotated secret takes effect without a restart.
type Resolver interface {
	Account(ctx context.Context, tenant string, id int64) (*Account, error)
}

// ErrNotFound is returned for an account the tenant does not have.
var ErrNotFound = errors.New("cloud account not found")
