package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// The API versions this package speaks.
const (
	ResourceGraphAPIVersion  = "2022-10-01" // Microsoft.ResourceGraph/resources
	ResourceHealthAPIVersion = "2022-10-01" // Microsoft.ResourceHealth availabilityStatuses and events
)

// maxPages bounds one listing: 1,000 pages of 1,000 resources.
const maxPages = 1000

// Azure lists an Azure subscription's resources through Resource Graph,
// and its health through Resource Health, on azcore's ARM pipeline (the
// account's service principal for the token; azcore's retry honouring 429
// and Retry-After).
type Azure struct {
	client *http.Client
	// Retry is azcore's retry of one call; the discoverer backs the
	// account off beyond it.
	Retry policy.RetryOptions

	mu        sync.Mutex
	pipelines map[int64]azPipeline
}

type azPipeline struct {
	account  cloudaccount.Azure
	updated  time.Time
	pipeline runtime.Pipeline
	endpoint string
}

// NewAzure returns the Azure lister; its calls go through client (the
// outbound policy's).
func NewAzure(client *http.Client) *Azure {
	return &Azure{client: client, pipelines: map[int64]azPipeline{},
		Retry: policy.RetryOptions{MaxRetries: 3, RetryDelay: 2 * time.Second, MaxRetryDelay: time.Minute}}
}

// pipeline returns acct's pipeline, built again when the account changed.
func (z *Azure) pipeline(acct *cloudaccount.Account) (runtime.Pipeline, string, error) {
	if acct.Provider != cloudaccount.ProviderAzure || acct.Azure == nil {
		return runtime.Pipeline{}, "", fmt.Errorf("azure discovery: account %d is not an Azure account", acct.ID)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if c, ok := z.pipelines[acct.ID]; ok && c.updated.Equal(acct.UpdatedAt) && c.account == *acct.Azure {
		return c.pipeline, c.endpoint, nil
	}
	az, err := connect.ForAzure(acct.Azure, z.client)
	if err != nil {
		return runtime.Pipeline{}, "", err
	}
	opts := *az.Options
	opts.Retry = z.Retry
	opts.DisableRPRegistration = true
	pl, err := armruntime.NewPipeline("unyo-discovery", "v1", az.Credential, runtime.PipelineOptions{}, &arm.ClientOptions{ClientOptions: opts.ClientOptions, DisableRPRegistration: true})
	if err != nil {
		return runtime.Pipeline{}, "", fmt.Errorf("azure discovery: pipeline: %w", err)
	}
	z.pipelines[acct.ID] = azPipeline{account: *acct.Azure, updated: acct.UpdatedAt, pipeline: pl, endpoint: az.Endpoint}
	return pl, az.Endpoint, nil
}

// graphRequest is Resource Graph's query body.
type graphRequest struct {
	Subscriptions []string     `json:"subscriptions"`
	Query         string       `json:"query"`
	Options       graphOptions `json:"options"`
}

type graphOptions struct {
	ResultFormat string `json:"resultFormat"`
	Top          int    `json:"$top"`
	SkipToken    string `json:"$skipToken,omitempty"`
}

// GraphResponse is a page of Resource Graph's answer.
type GraphResponse struct {
	TotalRecords int64      `json:"totalRecords"`
	Count        int64      `json:"count"`
	Data         []GraphRow `json:"data"`
	SkipToken    string     `json:"$skipToken"`
}

// GraphRow is one resource as the query projects it.
type GraphRow struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Type           string            `json:"type"`
	Location       string            `json:"location"`
	ResourceGroup  string            `json:"resourceGroup"`
	SubscriptionID string            `json:"subscriptionId"`
	Tags           map[string]string `json:"tags"`
	VMID           string            `json:"vmId"` // virtual machines: properties.vmId
}

// GraphQuery is the Kusto query for the resources of types.
func GraphQuery(types []cloudtype.Type) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = "'" + strings.ToLower(t.Name) + "'"
	}
	return "Resources | where type in~ (" + strings.Join(names, ", ") + ") | project id, name, type, location, resourceGroup, subscriptionId, tags, vmId = tostring(properties.vmId) | order by id asc"
}

// List returns the resources of acct's subscription of the given types.
func (z *Azure) List(ctx context.Context, acct *cloudaccount.Account, types []cloudtype.Type) ([]Found, error) {
	if len(types) == 0 {
		return nil, nil
	}
	pl, endpoint, err := z.pipeline(acct)
	if err != nil {
		return nil, err
	}
	u := endpoint + "/providers/Microsoft.ResourceGraph/resources?api-version=" + ResourceGraphAPIVersion
	body := graphRequest{Subscriptions: []string{acct.Azure.SubscriptionID}, Query: GraphQuery(types), Options: graphOptions{ResultFormat: "objectArray", Top: 1000}}
	var found []Found
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("azure discovery: more than %d pages", maxPages)
		}
		raw, err := z.do(ctx, pl, http.MethodPost, u, body)
		if err != nil {
			return nil, err
		}
		var resp GraphResponse
		if err := json.Unmarshal(raw, &resp); err != nil {
			return nil, fmt.Errorf("azure discovery: resource graph answer: %w", err)
		}
		for _, row := range resp.Data {
			if f, ok := azureFound(row); ok {
				found = append(found, f)
			}
		}
		if resp.SkipToken == "" {
			return found, nil
		}
		body.Options.SkipToken = resp.SkipToken
	}
}

// azureFound is row as a Found, if its type is catalogued.
func azureFound(row GraphRow) (Found, bool) {
	t, ok := cloudtype.Lookup(cloudtype.Azure, row.Type)
	if !ok || row.ID == "" {
		return Found{}, false
	}
	if strings.EqualFold(t.Name, "Microsoft.Sql/servers/databases") && strings.EqualFold(row.Name, "master") {
		return Found{}, false // every logical server's system database: nothing of the customer's to watch
	}
	name := azureName(row.ID)
	if name == "" {
		name = row.Name
	}
	return Found{CloudID: row.ID, Name: name, Type: t, Region: row.Location, ResourceGroup: row.ResourceGroup,
		Subscription: row.SubscriptionID, Tags: row.Tags, InstanceID: row.VMID}, true
}

// do sends one request on pl and returns the answer's body; an error
// answer is an error with ARM's code, a 429 that outlived the retries a
// Throttled.
func (z *Azure) do(ctx context.Context, pl runtime.Pipeline, method, u string, body any) ([]byte, error) {
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return nil, fmt.Errorf("azure discovery: %w", err)
	}
	if body != nil {
		b, _ := json.Marshal(body)
		if err := req.SetBody(streaming.NopCloser(bytes.NewReader(b)), "application/json"); err != nil {
			return nil, fmt.Errorf("azure discovery: %w", err)
		}
	}
	resp, err := pl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("azure discovery: %s: %w", req.Raw().URL.Path, err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		err := runtime.NewResponseError(resp)
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			err = fmt.Errorf("azure discovery: %s %s: %d %s", method, req.Raw().URL.Path, re.StatusCode, re.ErrorCode)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return nil, &Throttled{After: retryAfter(resp.Header.Get("Retry-After")), Err: err}
		}
		return nil, err
	}
	return runtime.Payload(resp)
}

// Throttled is a listing the cloud refused for its rate limit, after the
// retries: the account waits at least After before its next run.
type Throttled struct {
	After time.Duration
	Err   error
}

func (t *Throttled) Error() string { return "throttled: " + t.Err.Error() }
func (t *Throttled) Unwrap() error { return t.Err }

// retryAfter reads a Retry-After header in seconds; 0 when absent.
func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// armPages GETs first and the nextLinks after it, handing each page's
// body to read, which returns the page's nextLink.
func (z *Azure) armPages(ctx context.Context, pl runtime.Pipeline, endpoint, first string, read func([]byte) (string, error)) error {
	next := first
	for i := 0; next != ""; i++ {
		if i == maxPages {
			return fmt.Errorf("azure discovery: more than %d pages", maxPages)
		}
		if !strings.HasPrefix(next, endpoint+"/") {
			return fmt.Errorf("azure discovery: nextLink %q leaves %s", next, endpoint)
		}
		body, err := z.do(ctx, pl, http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		if next, err = read(body); err != nil {
			return fmt.Errorf("azure discovery: %s: %w", first, err)
		}
	}
	return nil
}

// subscriptionURL is the ARM URL of path under acct's subscription.
func subscriptionURL(endpoint string, acct *cloudaccount.Account, path, apiVersion string) string {
	return endpoint + "/subscriptions/" + url.PathEscape(acct.Azure.SubscriptionID) + path + "?api-version=" + apiVersion
}
