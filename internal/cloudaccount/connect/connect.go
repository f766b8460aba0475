// Package connect turns a cloudaccount.Account into what the cloud SDKs
// take: an Azure credential with ARM client options, an aws.Config. It is
// apart from cloudaccount so that a package which only resolves accounts
// (the capacity scheduler) does not pull the SDKs in. Every request goes
// through the HTTP client the caller passes, the outbound policy's in the
// server, so an endpoint override reaches only what the MSP admin allows.
package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// Azure is an account's Azure side ready for armXXX.NewClient: the
// credential, the client options (the cloud's endpoints, the transport,
// no retries: the caller's own policy retries) and the ARM scope.
type Azure struct {
	Credential azcore.TokenCredential
	Options    *arm.ClientOptions
	Endpoint   string // the Resource Manager endpoint, e.g. https://management.azure.com
	Scope      string // the token scope for it
}

// ForAzure builds the Azure side of a; transport carries every request,
// the token's too.
func ForAzure(a *cloudaccount.Azure, transport policy.Transporter) (*Azure, error) {
	if a == nil {
		return nil, errors.New("connect: not an Azure account")
	}
	cfg := cloud.AzurePublic
	rm := cfg.Services[cloud.ResourceManager]
	if a.ResourceManager != "" || a.Login != "" {
		cfg.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: rm}
	}
	if a.ResourceManager != "" {
		rm = cloud.ServiceConfiguration{Endpoint: strings.TrimRight(a.ResourceManager, "/"), Audience: strings.TrimRight(a.ResourceManager, "/")}
		cfg.Services[cloud.ResourceManager] = rm
	}
	if a.Login != "" {
		cfg.ActiveDirectoryAuthorityHost = strings.TrimRight(a.Login, "/") + "/"
	}
	opts := policy.ClientOptions{Cloud: cfg, Transport: transport, Retry: policy.RetryOptions{MaxRetries: -1}}
	// A sovereign or private login host has no entry in Microsoft's
	// instance discovery; the MSP admin vouched for it.
	noDiscovery := a.Login != ""
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch a.Credential() {
	case cloudaccount.CredentialCertificate:
		certs, key, perr := azidentity.ParseCertificates([]byte(a.ClientCertificate), nil)
		if perr != nil {
			return nil, fmt.Errorf("connect: azure certificate: %w", perr)
		}
		cred, err = azidentity.NewClientCertificateCredential(a.TenantID, a.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: opts, DisableInstanceDiscovery: noDiscovery,
		})
	case cloudaccount.CredentialWorkload:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, ClientID: a.ClientID, TenantID: a.TenantID, TokenFilePath: a.FederatedTokenFile,
			DisableInstanceDiscovery: noDiscovery,
		})
	default:
		cred, err = azidentity.NewClientSecretCredential(a.TenantID, a.ClientID, a.ClientSecret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: opts, DisableInstanceDiscovery: noDiscovery,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("connect: azure credential: %w", err)
	}
	return &Azure{Credential: cred, Options: &arm.ClientOptions{ClientOptions: opts}, Endpoint: rm.Endpoint,
		Scope: strings.TrimRight(rm.Audience, "/") + "/.default"}, nil
}

// ForAWS is the aws.Config of a in region: its access key, and the role it
// assumes with its external ID when it names one; hc carries every
// request; the SDK does not retry (the caller's own policy does).
func ForAWS(a *cloudaccount.AWS, region string, hc *http.Client) (aws.Config, error) {
	if a == nil {
		return aws.Config{}, errors.New("connect: not an AWS account")
	}
	if region == "" && len(a.Regions) > 0 {
		region = a.Regions[0]
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	if hc != nil {
		cfg.HTTPClient = AWSClient(hc)
	}
	if a.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(strings.TrimRight(a.Endpoint, "/"))
	}
	if a.RoleARN != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "unyo"
			if a.ExternalID != "" {
				o.ExternalID = aws.String(a.ExternalID)
			}
		}))
	}
	return cfg, nil
}

// Tester is the connection test of cloudaccount's API over hc.
func Tester(hc *http.Client) cloudaccount.Tester {
	return func(ctx context.Context, a *cloudaccount.Account) cloudaccount.TestResult {
		switch a.Provider {
		case cloudaccount.ProviderAzure:
			return testAzure(ctx, a.Azure, hc)
		case cloudaccount.ProviderAWS:
			return testAWS(ctx, a.AWS, hc)
		}
		return cloudaccount.TestResult{Message: "unknown provider " + string(a.Provider)}
	}
}

// AWSClient is hc for the AWS SDK: every call's request body is its own
// (ownBody). Every AWS client unyo builds goes through it.
func AWSClient(hc *http.Client) aws.HTTPClient { return ownBody{hc} }

// ownBody gives net/http a request body of its own, for every AWS call.
// The SDK (smithy-go) closes the body it built as soon as the response's
// headers are in, while the transport's writer may still read it once more
// (to see that nothing follows the Content-Length); the closed body answers
// that read with io.EOF as an error, and the transport, taking the write as
// failed, closes the connection under the response still being read
// ("deserialization failed ... use of closed network connection"): a
// CloudWatch page lost on a busy server. The bodies of the API calls unyo
// makes are small; the copy is kept for the transport's retries (GetBody).
type ownBody struct{ hc *http.Client }

func (c ownBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return c.hc.Do(r)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("connect: cannot read the request's body: %w", err)
	}
	r = r.Clone(r.Context())
	r.ContentLength = int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.Body, _ = r.GetBody()
	return c.hc.Do(r)
}
