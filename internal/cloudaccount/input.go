package cloudaccount

import (
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Input is what a client sends to create or replace an account: the
// provider's part with its secret. On replace, a secret left empty keeps
// the stored one unless the identity it belongs to changes.
type Input struct {
	Name     string      `json:"name"`
	Provider Provider    `json:"provider"`
	Azure    *AzureInput `json:"azure,omitempty"`
	AWS      *AWSInput   `json:"aws,omitempty"`
}

// AzureInput is the Azure part of an Input. It names at most one
// credential: a client secret, a client certificate (PEM with its key,
// or a PKCS#12/PFX file in base64 with its password), or a federated
// token file; none on replace keeps the stored one.
type AzureInput struct {
	TenantID                  string `json:"tenant_id"`
	ClientID                  string `json:"client_id"`
	ClientSecret              string `json:"client_secret"`
	ClientCertificate         string `json:"client_certificate,omitempty"`
	ClientCertificatePassword string `json:"client_certificate_password,omitempty"`
	FederatedTokenFile        string `json:"federated_token_file,omitempty"`
	SubscriptionID            string `json:"subscription_id"`
	ResourceManager           string `json:"resource_manager,omitempty"`
	Login                     string `json:"login,omitempty"`

	cert *certificate // ClientCertificate parsed by validate
}

// credential is the kind of the one credential a names, "" if none, or the field
// that comes second when more are given.
func (a *AzureInput) credential() (kind, extra string) {
	for _, c := range []struct{ kind, field, v string }{
		{CredentialSecret, "azure.client_secret", a.ClientSecret},
		{CredentialCertificate, "azure.client_certificate", a.ClientCertificate},
		{CredentialWorkload, "azure.federated_token_file", a.FederatedTokenFile},
	} {
		if c.v == "" {
			continue
		}
		if kind != "" {
			return kind, c.field
		}
		kind = c.kind
	}
	return kind, ""
}

// AWSInput is the AWS part of an Input.
type AWSInput struct {
	AccessKeyID     string   `json:"access_key_id"`
	SecretAccessKey string   `json:"secret_access_key"`
	RoleARN         string   `json:"role_arn,omitempty"`
	ExternalID      string   `json:"external_id,omitempty"`
	Regions         []string `json:"regions"`
	Endpoint        string   `json:"endpoint,omitempty"`
}

var (
	guid       = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	domain     = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.[a-zA-Z]{2,}$`)
	accessKey  = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	roleARN    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,500}$`)
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	region     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
)

// validName trims name and checks it fits a list and a log line.
func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", invalid.New("name", "is required")
	case utf8.RuneCountInString(name) > 100:
		return "", invalid.New("name", "must be at most 100 characters")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", invalid.New("name", "must not contain control characters")
	}
	return name, nil
}

// validate checks in, secrets aside (they may be kept from the stored
// account), and returns it trimmed.
func (in Input) validate() (Input, error) {
	var err error
	if in.Name, err = validName(in.Name); err != nil {
		return in, err
	}
	switch in.Provider {
	case ProviderAzure:
		if in.Azure == nil || in.AWS != nil {
			return in, invalid.New("azure", "is required for provider azure, and aws must be absent")
		}
		a := *in.Azure
		a.TenantID, a.ClientID, a.SubscriptionID = strings.TrimSpace(a.TenantID), strings.TrimSpace(a.ClientID), strings.TrimSpace(a.SubscriptionID)
		if !guid.MatchString(a.TenantID) && !domain.MatchString(a.TenantID) {
			return in, invalid.New("azure.tenant_id", "must be the Entra directory ID (a GUID) or its domain, e.g. contoso.onmicrosoft.com")
		}
		if !guid.MatchString(a.ClientID) {
			return in, invalid.New("azure.client_id", "must be the application (client) ID, a GUID")
		}
		if !guid.MatchString(a.SubscriptionID) {
			return in, invalid.New("azure.subscription_id", "must be a subscription ID, a GUID")
		}
		if len(a.ClientSecret) > 1024 {
			return in, invalid.New("azure.client_secret", "must be at most 1024 bytes")
		}
		if _, extra := a.credential(); extra != "" {
			return in, invalid.New(extra, "must be alone: give exactly one of client_secret, client_certificate and federated_token_file")
		}
		if a.ClientCertificatePassword != "" && a.ClientCertificate == "" {
			return in, invalid.New("azure.client_certificate_password", "goes with client_certificate (a PFX file)")
		}
		if a.ClientCertificate != "" {
			if a.cert, err = parseCertificate(a.ClientCertificate, a.ClientCertificatePassword); err != nil {
				return in, invalid.New("azure.client_certificate", "%s", err.Error())
			}
		}
		if f := a.FederatedTokenFile; f != "" && (!filepath.IsAbs(f) || len(f) > 4096 || filepath.Clean(f) != f ||
			strings.ContainsFunc(f, func(r rune) bool { return r < 0x20 || r == 0x7f })) {
			return in, invalid.New("azure.federated_token_file", "must be a clean absolute path on the server, e.g. /var/run/secrets/azure/tokens/azure-identity-token")
		}
		for _, e := range []struct{ field, v string }{{"azure.resource_manager", a.ResourceManager}, {"azure.login", a.Login}} {
			if err := validEndpoint(e.field, e.v); err != nil {
				return in, err
			}
		}
		in.Azure = &a
	case ProviderAWS:
		if in.AWS == nil || in.Azure != nil {
			return in, invalid.New("aws", "is required for provider aws, and azure must be absent")
		}
		a := *in.AWS
		a.AccessKeyID, a.RoleARN, a.ExternalID = strings.TrimSpace(a.AccessKeyID), strings.TrimSpace(a.RoleARN), strings.TrimSpace(a.ExternalID)
		if !accessKey.MatchString(a.AccessKeyID) {
			return in, invalid.New("aws.access_key_id", "must be an IAM access key ID such as AKIAIOSFODNN7EXAMPLE")
		}
		if len(a.SecretAccessKey) > 1024 {
			return in, invalid.New("aws.secret_access_key", "must be at most 1024 bytes")
		}
		if a.RoleARN != "" && !roleARN.MatchString(a.RoleARN) {
			return in, invalid.New("aws.role_arn", "must be an IAM role ARN such as arn:aws:iam::123456789012:role/unyo")
		}
		if a.ExternalID != "" && (a.RoleARN == "" || len(a.ExternalID) < 2 || len(a.ExternalID) > 1224 || !externalID.MatchString(a.ExternalID)) {
			return in, invalid.New("aws.external_id", "goes with role_arn, 2 to 1224 characters of letters, digits and +=,.@:/-")
		}
		if len(a.Regions) == 0 || len(a.Regions) > 40 {
			return in, invalid.New("aws.regions", "must name 1 to 40 regions, e.g. [\"ap-northeast-1\"]")
		}
		for i, r := range a.Regions {
			if !region.MatchString(r) {
				return in, invalid.New("aws.regions", "item %d: %q is not a region such as ap-northeast-1", i, r)
			}
		}
		if err := validEndpoint("aws.endpoint", a.Endpoint); err != nil {
			return in, err
		}
		in.AWS = &a
	default:
		return in, invalid.New("provider", "must be azure or aws")
	}
	return in, nil
}

// validEndpoint accepts "" or an https URL with a host and nothing after
// the path; plain http only for a loopback host, where the contract fakes
// of the tests listen (and which the outbound policy refuses unless the
// MSP admin allows it).
func validEndpoint(field, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return invalid.New(field, "must be an https URL such as https://management.chinacloudapi.cn")
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return invalid.New(field, "must use https (plain http only to a loopback address)")
}

// Check validates in as Create and Update do, secrets aside (a store may
// keep them), and returns it as it is stored: trimmed. Designs as code
// check and plan accounts with it.
func (in Input) Check() (Input, error) { return in.validate() }
