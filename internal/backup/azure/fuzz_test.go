package azure

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseJobs: whatever a backupJobs page holds, parsing it neither
// panics nor yields a job result the history would refuse.
func FuzzParseJobs(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupJobs/j1",
		"properties":{"jobType":"AzureIaaSVMJob","entityFriendlyName":"vm1","operation":"Backup","status":"Failed",
		"startTime":"2026-01-02T03:04:05.123Z","endTime":"2026-01-02T03:14:05Z","errorDetails":[{"errorCode":400002,"errorString":"agent"}]}}],
		"nextLink":"https://management.azure.com/x?$skiptoken=2"}`))
	f.Add([]byte(`{"value":[{"id":"x","properties":{"operation":"Backup","status":"Completed","startTime":"2026-01-02T03:04:05Z","endTime":"2026-01-02T03:04:05Z"}}]}`))
	f.Add([]byte(`{"value":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := ParseJobs(body)
		if err != nil {
			return
		}
		for _, r := range l.Value {
			j, ok := Result(r)
			if !ok {
				continue
			}
			j.TenantID, j.PolicyID = "acme", 1
			far := j.FinishedAt.Add(time.Hour)
			if err := j.Validate(far); err != nil {
				t.Fatalf("job %+v from %q refused: %v", j, body, err)
			}
		}
	})
}

// FuzzParseVaults: a vaults page parses or is refused, never panics.
func FuzzParseVaults(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v","name":"v"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) { ParseVaults(body) })
}

// FuzzParseItems: a protected items page parses or is refused; an item
// it keeps has a path that stays a protected item's path on the endpoint
// (no query, no fragment, no step out), as the recovery points are read
// under it with the token.
func FuzzParseItems(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/iaasvmcontainerv2;rg;vm1/protectedItems/VM;iaasvmcontainerv2;rg;vm1",
		"name":"VM;iaasvmcontainerv2;rg;vm1","properties":{"protectedItemType":"Microsoft.Compute/virtualMachines","friendlyName":"vm1","containerName":"iaasvmcontainerv2;rg;vm1"}}],
		"nextLink":"https://management.azure.com/x?$skiptoken=2"}`))
	f.Add([]byte(`{"value":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/c/protectedItems/../x?y"}]}`))
	f.Add([]byte(`{"value":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := ParseItems(body)
		if err != nil {
			return
		}
		for _, it := range l.Value {
			p, err := itemPath(it.ID)
			if err != nil {
				t.Fatalf("item %q kept without a path: %v", it.ID, err)
			}
			u, err := url.Parse("https://management.azure.com" + p + "/recoveryPoints")
			if err != nil || u.RawQuery != "" || u.Fragment != "" || u.Host != "management.azure.com" ||
				strings.Contains(u.Path, "/../") || !strings.HasSuffix(u.Path, "/recoveryPoints") {
				t.Fatalf("item %q makes the URL %q (%v)", it.ID, p, err)
			}
		}
	})
}

// FuzzParsePoints: a recovery points page parses or is refused; a point's
// time, when it has one, is a UTC time the database's millis can hold.
func FuzzParsePoints(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"/x/recoveryPoints/1","name":"1","properties":{"objectType":"IaasVMRecoveryPoint","recoveryPointTime":"2026-01-02T03:04:05.1234567Z"}},
		{"id":"/x/recoveryPoints/2","properties":{"objectType":"AzureWorkloadSQLRecoveryPoint","recoveryPointTimeInUTC":"2026-01-02T03:04:05.123"}}],"nextLink":"https://management.azure.com/y"}`))
	f.Add([]byte(`{"value":[{"properties":{"recoveryPointTime":"not a time"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := ParsePoints(body)
		if err != nil {
			return
		}
		for _, p := range l.Value {
			at, ok := p.Time()
			if !ok {
				continue
			}
			if at.Location() != time.UTC || at.Year() < 2000 || at.Year() > 9999 || !time.UnixMilli(at.UnixMilli()).Equal(at.Truncate(time.Millisecond)) {
				t.Fatalf("point %+v: time %v", p, at)
			}
		}
	})
}
