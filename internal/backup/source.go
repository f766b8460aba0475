package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// SourceKind names where a policy's job results are fetched from, besides
// what scripts and agents push.
type SourceKind string

// The sources a poller reads.
const (
	SourceAzure  SourceKind = "azure_backup" // the Recovery Services vaults of an Azure subscription
	SourceAWS    SourceKind = "aws_backup"   // AWS Backup jobs of an account
	SourceMetric SourceKind = "metric"       // an exporter's last-success timestamp in the tenant's metrics
)

// Origins of a job, as Job.Source records them; the pushed ones are "api"
// (scripts, `unyo backup report`) and "agent" (an agent's backup item).
const (
	OriginAPI   = "api"
	OriginAgent = "agent"
)

// Source is where a poller fetches a policy's jobs. A policy without one
// hears only of the jobs pushed to it.
type Source struct {
	Kind SourceKind `json:"kind"`
	// AccountID names the tenant's cloud account (package cloudaccount)
	// for azure_backup and aws_backup.
	AccountID int64 `json:"account_id,omitempty"`
	// Vaults limits the jobs to these vaults: "resourceGroup/vault" on
	// Azure, backup vault names on AWS. Empty: every vault.
	Vaults []string `json:"vaults,omitempty"`
	// Resources limits the jobs to these protected resources: the
	// protected item's name on Azure (a VM's name), the resource ARN on
	// AWS. Empty: every resource.
	Resources []string `json:"resources,omitempty"`
	// Regions are the AWS regions to read (default: the account's).
	Regions []string `json:"regions,omitempty"`
	// Selector is the metric selector whose value is the unix time of the
	// last good recovery point, e.g. bacula_last_success_timestamp_seconds{job="shop"}.
	Selector string `json:"selector,omitempty"`
}

var (
	azureVaultRE = regexp.MustCompile(`^[A-Za-z0-9._()-]{1,90}/[A-Za-z0-9-]{2,50}$`)
	awsVaultRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,50}$`)
	awsRegionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// Validate reports the first field of the source that is not acceptable,
// named source.<field>.
func (s *Source) Validate() error {
	if s == nil {
		return nil
	}
	switch s.Kind {
	case SourceAzure, SourceAWS:
		if s.AccountID <= 0 {
			return invalid.New("source.account_id", "is required: the cloud account whose %s jobs are read", s.Kind)
		}
		if s.Selector != "" {
			return invalid.New("source.selector", "applies only to kind metric")
		}
	case SourceMetric:
		if s.AccountID != 0 || len(s.Vaults) > 0 || len(s.Resources) > 0 || len(s.Regions) > 0 {
			return invalid.New("source.kind", "metric takes only a selector")
		}
		return checkSelector(s.Selector)
	default:
		return invalid.New("source.kind", "must be azure_backup, aws_backup or metric, not %q", s.Kind)
	}
	if s.Kind == SourceAzure && len(s.Regions) > 0 {
		return invalid.New("source.regions", "applies only to aws_backup")
	}
	for _, v := range s.Vaults {
		re, want := azureVaultRE, `"resourceGroup/vault"`
		if s.Kind == SourceAWS {
			re, want = awsVaultRE, "a backup vault's name"
		}
		if !re.MatchString(v) {
			return invalid.New("source.vaults", "%q is not %s", v, want)
		}
	}
	for _, r := range s.Resources {
		if strings.TrimSpace(r) == "" || len(r) > 2048 {
			return invalid.New("source.resources", "must be names of at most 2048 characters")
		}
	}
	for _, r := range s.Regions {
		if !awsRegionRE.MatchString(r) {
			return invalid.New("source.regions", "%q is not an AWS region such as ap-northeast-1", r)
		}
	}
	if len(s.Vaults) > 100 || len(s.Resources) > 1000 || len(s.Regions) > 30 {
		return invalid.New("source", "names too many vaults, resources or regions")
	}
	return nil
}

// checkSelector accepts a metric selector naming its metric exactly or by
// a pattern: *_last_success_timestamp_seconds is every such metric.
func checkSelector(sel string) error {
	if sel == "" {
		return invalid.New("source.selector", "is required, e.g. bacula_last_success_timestamp_seconds{job=\"shop\"}")
	}
	if _, err := parser.NewParser(parser.Options{}).ParseMetricSelector(SelectorQuery(sel)); err != nil {
		return invalid.New("source.selector", "is not a metric selector: %v", err)
	}
	return nil
}

// SelectorQuery turns a selector whose name may hold * wildcards into one
// PromQL understands: *_seconds{job="x"} becomes {__name__=~".*_seconds",job="x"}.
func SelectorQuery(sel string) string {
	sel = strings.TrimSpace(sel)
	name, rest := sel, ""
	if i := strings.IndexByte(sel, '{'); i >= 0 {
		name, rest = sel[:i], sel[i:]
	}
	if !strings.Contains(name, "*") {
		return sel
	}
	re := strings.ReplaceAll(regexp.QuoteMeta(name), `\*`, `.*`)
	m := fmt.Sprintf(`__name__=~%q`, re)
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(rest, "{"), "}"))
	if inner == "" {
		return "{" + m + "}"
	}
	return "{" + m + "," + inner + "}"
}

// encodeSource is the column's text: "" for none.
func encodeSource(s *Source) (string, error) {
	if s == nil {
		return "", nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("backup: unable to encode source: %w", err)
	}
	return string(b), nil
}

// decodeSource reads the column's text.
func decodeSource(text string) (*Source, error) {
	if text == "" {
		return nil, nil
	}
	var s Source
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return nil, fmt.Errorf("backup: unable to decode source: %w", err)
	}
	return &s, nil
}

// SetAccounts makes the store refuse a policy whose source names a cloud
// account its tenant does not have, or one of another provider.
func (s *Store) SetAccounts(r cloudaccount.Resolver) { s.accounts = r }

func (s *Store) checkAccount(ctx context.Context, p *Policy) error {
	if s.accounts == nil || p.Source == nil || p.Source.AccountID == 0 {
		return nil
	}
	acct, err := s.accounts.Account(ctx, p.TenantID, p.Source.AccountID)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return invalid.New("source.account_id", "no cloud account %d in this tenant", p.Source.AccountID)
	}
	if err != nil {
		return fmt.Errorf("backup: unable to read cloud account: %w", err)
	}
	want := map[SourceKind]cloudaccount.Provider{SourceAzure: cloudaccount.ProviderAzure, SourceAWS: cloudaccount.ProviderAWS}[p.Source.Kind]
	if acct.Provider != want {
		return invalid.New("source.account_id", "cloud account %d is %s, not %s", p.Source.AccountID, acct.Provider, want)
	}
	return nil
}
