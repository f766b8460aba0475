package azure

import (
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
