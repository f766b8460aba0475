// Package azure reads Azure Backup jobs, and the recovery points the
// vaults still hold, from the Recovery Services vaults of a tenant's Azure
// subscription, through the documented REST API (Microsoft.RecoveryServices
// vaults, backupJobs, backupProtectedItems and recoveryPoints) on azcore's ARM
// pipeline: a service principal's client secret for the token (azidentity),
// azcore's retry honouring 429 and Retry-After, nextLink paging.
//
// The SDK module for Recovery Services is not used: the module proxy of
// our build refused it, and four list calls do not need it.
package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
)

// The API versions of the documented REST API this package speaks.
const (
	VaultsAPIVersion = "2023-04-01" // Microsoft.RecoveryServices/vaults
	// JobsAPIVersion is the backup API's (Microsoft.RecoveryServices
	// backupJobs, backupProtectedItems, recoveryPoints).
	JobsAPIVersion = "2023-04-01"
)

// The public cloud's endpoints, when the account overrides none.
const (
	defaultLogin           = "https://login.microsoftonline.com/"
	defaultResourceManager = "https://management.azure.com"
)

// Fetcher reads the backup jobs of a policy's vaults.
type Fetcher struct {
	client *http.Client
	// Retry is azcore's retry of one call (429 and 5xx, Retry-After
	// honoured); the poller backs off the account beyond it.
	Retry policy.RetryOptions

	mu        sync.Mutex
	pipelines map[int64]cached // account ID → its pipeline, while unchanged
}

type cached struct {
	updated  time.Time
	azure    cloudaccount.Azure
	pipeline runtime.Pipeline
	endpoint string
}

// New returns a Fetcher whose calls go through client (the outbound
// policy's, so a tenant cannot make the server call an internal address).
func New(client *http.Client) *Fetcher {
	return &Fetcher{client: client, pipelines: map[int64]cached{},
		Retry: policy.RetryOptions{MaxRetries: 3, RetryDelay: 2 * time.Second, MaxRetryDelay: time.Minute}}
}

// pipeline returns the account's ARM pipeline, built again when the
// account changed (a rotated secret) so the token cache is kept otherwise.
func (f *Fetcher) pipeline(acct *cloudaccount.Account) (runtime.Pipeline, string, error) {
	if acct.Provider != cloudaccount.ProviderAzure || acct.Azure == nil {
		return runtime.Pipeline{}, "", fmt.Errorf("azure backup: account %d is not an Azure account", acct.ID)
	}
	az := *acct.Azure
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.pipelines[acct.ID]; ok && c.updated.Equal(acct.UpdatedAt) && c.azure == az {
		return c.pipeline, c.endpoint, nil
	}
	// The credential and the cloud's endpoints come from connect, as for
	// every other consumer of a cloud account: the same audience, and the
	// certificate and workload identity credentials as well as the secret.
	conn, err := connect.ForAzure(&az, f.client)
	if err != nil {
		return runtime.Pipeline{}, "", fmt.Errorf("azure backup: %w", err)
	}
	opts := conn.Options.ClientOptions
	opts.Retry = f.Retry
	pl, err := armruntime.NewPipeline("unyo-backup", "v1", conn.Credential, runtime.PipelineOptions{},
		&arm.ClientOptions{ClientOptions: opts, DisableRPRegistration: true})
	if err != nil {
		return runtime.Pipeline{}, "", fmt.Errorf("azure backup: pipeline: %w", err)
	}
	rm := strings.TrimRight(conn.Endpoint, "/")
	f.pipelines[acct.ID] = cached{updated: acct.UpdatedAt, azure: az, pipeline: pl, endpoint: rm}
	return pl, rm, nil
}

// Fetch reads the finished backup jobs of the policy's vaults (every vault
// of the subscription when it names none) that started at or after since.
func (f *Fetcher) Fetch(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time) ([]backup.Job, error) {
	jobs, _, err := f.fetch(ctx, acct, p, since, false)
	return jobs, err
}

// FetchPoints reads the jobs as Fetch does and, in the same pass over the
// vaults, the recovery points of the policy's protected items: the span
// the vaults still hold (nil when they hold none). The poller prefers it.
func (f *Fetcher) FetchPoints(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time) ([]backup.Job, *backup.Restorable, error) {
	return f.fetch(ctx, acct, p, since, true)
}

func (f *Fetcher) fetch(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time, points bool) ([]backup.Job, *backup.Restorable, error) {
	pl, endpoint, err := f.pipeline(acct)
	if err != nil {
		return nil, nil, err
	}
	sub := url.PathEscape(acct.Azure.SubscriptionID)
	var vaults []string
	if len(p.Source.Vaults) == 0 {
		if vaults, err = f.listVaults(ctx, pl, endpoint, sub); err != nil {
			return nil, nil, err
		}
	}
	for _, v := range p.Source.Vaults {
		rg, name, _ := strings.Cut(v, "/")
		vaults = append(vaults, fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s",
			sub, url.PathEscape(rg), url.PathEscape(name)))
	}
	var jobs []backup.Job
	var held span
	for _, v := range vaults {
		list, err := f.listJobs(ctx, pl, endpoint, v, since)
		if err != nil {
			return nil, nil, err
		}
		jobs = append(jobs, Select(list, p.Source.Resources)...)
		if !points {
			continue
		}
		items, err := f.listItems(ctx, pl, endpoint, v)
		if err != nil {
			return nil, nil, err
		}
		for _, it := range SelectItems(items, p.Source.Resources) {
			times, err := f.listPoints(ctx, pl, endpoint, v, it.ID)
			if err != nil {
				return nil, nil, err
			}
			held.add(times)
		}
	}
	return jobs, held.r, nil
}

// listItems reads the protected items of a vault, once per fetch.
func (f *Fetcher) listItems(ctx context.Context, pl runtime.Pipeline, endpoint, vault string) ([]ItemResource, error) {
	q := url.Values{"api-version": {JobsAPIVersion}}
	first := endpoint + vault + "/backupProtectedItems?" + q.Encode()
	var items []ItemResource
	err := pages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		page, err := ParseItems(body)
		if err != nil {
			return "", err
		}
		for _, it := range page.Value {
			if !inVault(it.ID, vault) {
				return "", fmt.Errorf("protected item %q is not of vault %s", it.ID, vault)
			}
		}
		items = append(items, page.Value...)
		return page.NextLink, nil
	})
	return items, err
}

// listPoints reads the times of a protected item's recovery points; a
// point without a time is left out.
func (f *Fetcher) listPoints(ctx context.Context, pl runtime.Pipeline, endpoint, vault, item string) ([]time.Time, error) {
	path, err := itemPath(item)
	if err != nil {
		return nil, fmt.Errorf("azure backup: %w", err)
	}
	q := url.Values{"api-version": {JobsAPIVersion}}
	first := endpoint + path + "/recoveryPoints?" + q.Encode()
	var times []time.Time
	err = pages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		page, err := ParsePoints(body)
		if err != nil {
			return "", err
		}
		for _, rp := range page.Value {
			if t, ok := rp.Time(); ok {
				times = append(times, t)
			}
		}
		return page.NextLink, nil
	})
	return times, err
}

func (f *Fetcher) listVaults(ctx context.Context, pl runtime.Pipeline, endpoint, sub string) ([]string, error) {
	q := url.Values{"api-version": {VaultsAPIVersion}}
	first := endpoint + "/subscriptions/" + sub + "/providers/Microsoft.RecoveryServices/vaults?" + q.Encode()
	var ids []string
	err := pages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		page, err := ParseVaults(body)
		if err != nil {
			return "", err
		}
		for _, v := range page.Value {
			ids = append(ids, v.ID)
		}
		return page.NextLink, nil
	})
	return ids, err
}

// filterTime is the time format of the backupJobs $filter.
const filterTime = "2006-01-02 03:04:05 PM"

func (f *Fetcher) listJobs(ctx context.Context, pl runtime.Pipeline, endpoint, vault string, since time.Time) ([]JobResource, error) {
	filter := fmt.Sprintf("operation eq 'Backup' and startTime eq '%s' and endTime eq '%s'",
		since.UTC().Format(filterTime), time.Now().UTC().Add(time.Minute).Format(filterTime))
	q := url.Values{"api-version": {JobsAPIVersion}, "$filter": {filter}}
	first := endpoint + vault + "/backupJobs?" + q.Encode()
	var jobs []JobResource
	err := pages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		page, err := ParseJobs(body)
		if err != nil {
			return "", err
		}
		jobs = append(jobs, page.Value...)
		return page.NextLink, nil
	})
	return jobs, err
}

// maxPages bounds a listing, so a service that links back to itself
// cannot hold the poller.
const maxPages = 1000

// pages GETs first and every nextLink after it; read returns a page's
// nextLink. A nextLink must stay on the endpoint: the token goes with it.
func pages(ctx context.Context, pl runtime.Pipeline, endpoint, first string, read func([]byte) (string, error)) error {
	next := first
	for i := 0; next != "" && i < maxPages; i++ {
		if !strings.HasPrefix(next, endpoint+"/") {
			return fmt.Errorf("azure backup: nextLink %q leaves %s", next, endpoint)
		}
		req, err := runtime.NewRequest(ctx, http.MethodGet, next)
		if err != nil {
			return fmt.Errorf("azure backup: %w", err)
		}
		resp, err := pl.Do(req)
		if err != nil {
			return fmt.Errorf("azure backup: %w", err)
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			err := runtime.NewResponseError(resp)
			var re *azcore.ResponseError
			if errors.As(err, &re) {
				return fmt.Errorf("azure backup: %s %s: %d %s", req.Raw().Method, req.Raw().URL.Path, re.StatusCode, re.ErrorCode)
			}
			return fmt.Errorf("azure backup: %w", err)
		}
		body, err := runtime.Payload(resp)
		if err != nil {
			return fmt.Errorf("azure backup: %w", err)
		}
		if next, err = read(body); err != nil {
			return fmt.Errorf("azure backup: %s: %w", req.Raw().URL.Path, err)
		}
	}
	return nil
}
