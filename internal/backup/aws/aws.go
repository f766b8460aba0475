// Package aws reads AWS Backup jobs of a tenant's AWS account with
// aws-sdk-go-v2/service/backup (ListBackupJobs by creation time, NextToken
// paging, the SDK's retry of throttling), signing with the account's access
// key, or with a role assumed in the customer's account with an external ID.
package aws

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	awsbackup "github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
)

// Fetcher reads the backup jobs of a policy's account.
type Fetcher struct {
	client *http.Client
	// MaxAttempts and MaxBackoff tune the SDK's retry of one call
	// (throttling, 5xx); the poller backs off the account beyond it.
	MaxAttempts int
	MaxBackoff  time.Duration

	mu    sync.Mutex
	creds map[int64]cachedCreds // account ID → its credentials, while unchanged
}

// cachedCreds keeps an account's credentials (an assumed role's session
// until it expires) across fetches, so STS is not asked at every round.
type cachedCreds struct {
	aws      cloudaccount.AWS
	updated  time.Time
	provider sdkaws.CredentialsProvider
}

// New returns a Fetcher whose calls go through client (the outbound
// policy's).
func New(client *http.Client) *Fetcher {
	return &Fetcher{client: client, MaxAttempts: 4, MaxBackoff: 20 * time.Second, creds: map[int64]cachedCreds{}}
}

// config is the SDK configuration of acct in region.
func (f *Fetcher) config(acct *cloudaccount.Account, region string) sdkaws.Config {
	a := acct.AWS
	cfg := sdkaws.Config{
		Region:      region,
		Credentials: sdkaws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, "")),
		Retryer: func() sdkaws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff = f.MaxAttempts, f.MaxBackoff
			})
		},
	}
	if f.client != nil {
		cfg.HTTPClient = connect.AWSClient(f.client)
	}
	if a.Endpoint != "" {
		cfg.BaseEndpoint = sdkaws.String(a.Endpoint)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.creds[acct.ID]; ok && c.updated.Equal(acct.UpdatedAt) && sameAWS(c.aws, *a) {
		cfg.Credentials = c.provider
		return cfg
	}
	if a.RoleARN != "" {
		// STS is regional too; the first region asked signs the AssumeRole.
		role := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "unyo-backup"
			if a.ExternalID != "" {
				o.ExternalID = sdkaws.String(a.ExternalID)
			}
		})
		cfg.Credentials = sdkaws.NewCredentialsCache(role)
	}
	f.creds[acct.ID] = cachedCreds{aws: *a, updated: acct.UpdatedAt, provider: cfg.Credentials}
	return cfg
}

func sameAWS(x, y cloudaccount.AWS) bool {
	return x.AccessKeyID == y.AccessKeyID && x.SecretAccessKey == y.SecretAccessKey && x.RoleARN == y.RoleARN &&
		x.ExternalID == y.ExternalID && x.Endpoint == y.Endpoint
}

// Fetch reads the finished backup jobs created at or after since, in the
// policy's regions (the account's when it names none), of its vaults (all
// when none) and resources (all when none).
func (f *Fetcher) Fetch(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time) ([]backup.Job, error) {
	if acct.Provider != cloudaccount.ProviderAWS || acct.AWS == nil {
		return nil, fmt.Errorf("aws backup: account %d is not an AWS account", acct.ID)
	}
	regions := p.Source.Regions
	if len(regions) == 0 {
		regions = acct.AWS.Regions
	}
	if len(regions) == 0 {
		return nil, fmt.Errorf("aws backup: account %d names no region, and neither does the policy", acct.ID)
	}
	vaults := p.Source.Vaults
	if len(vaults) == 0 {
		vaults = []string{""}
	}
	var out []backup.Job
	for _, region := range regions {
		client := awsbackup.NewFromConfig(f.config(acct, region))
		for _, vault := range vaults {
			in := &awsbackup.ListBackupJobsInput{ByCreatedAfter: sdkaws.Time(since.UTC()), MaxResults: sdkaws.Int32(100)}
			if vault != "" {
				in.ByBackupVaultName = sdkaws.String(vault)
			}
			pages := awsbackup.NewListBackupJobsPaginator(client, in)
			for n := 0; pages.HasMorePages() && n < maxPages; n++ {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("aws backup: %s: %w", region, err)
				}
				out = append(out, Select(page.BackupJobs, p.Source.Resources)...)
			}
		}
	}
	return out, nil
}

// maxPages bounds a listing, so a service that never ends its pages
// cannot hold the poller.
const maxPages = 1000

// Select turns the finished jobs of the resources named (all when none)
// into job results; jobs still created, pending or running are left for a
// later fetch.
func Select(list []types.BackupJob, resources []string) []backup.Job {
	var out []backup.Job
	for _, b := range list {
		if len(resources) > 0 && !contains(resources, sdkaws.ToString(b.ResourceArn)) {
			continue
		}
		if j, ok := Result(b); ok {
			out = append(out, j)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Result is the job result of one finished AWS Backup job: its ID is the
// external ID, its creation the recovery point.
func Result(b types.BackupJob) (backup.Job, bool) {
	id := sdkaws.ToString(b.BackupJobId)
	if id == "" || b.CreationDate == nil || b.CompletionDate == nil || len(id) > 256 {
		return backup.Job{}, false
	}
	j := backup.Job{ExternalID: id, StartedAt: b.CreationDate.UTC(), FinishedAt: b.CompletionDate.UTC(), RecoveryPoint: b.CreationDate.UTC(),
		SizeBytes: max(sdkaws.ToInt64(b.BackupSizeInBytes), 0)}
	if j.FinishedAt.Before(j.StartedAt) {
		return backup.Job{}, false
	}
	switch b.State {
	case types.BackupJobStateCompleted:
		j.Status = backup.StatusOK
	case types.BackupJobStatePartial:
		j.Status = backup.StatusPartial
	case types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired:
		j.Status = backup.StatusFailed
	default: // CREATED, PENDING, RUNNING, ABORTING: not finished
		return backup.Job{}, false
	}
	msg := strings.TrimSpace(sdkaws.ToString(b.ResourceName) + " " + strings.ToLower(string(b.State)))
	if s := sdkaws.ToString(b.StatusMessage); s != "" {
		msg += ": " + s
	}
	if r := []rune(strings.ToValidUTF8(msg, "")); len(r) > 4000 {
		msg = string(r[:4000])
	} else {
		msg = string(r)
	}
	j.Message = msg
	return j, true
}
