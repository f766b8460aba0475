package azure

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
)

// VaultList is a page of GET .../providers/Microsoft.RecoveryServices/vaults.
type VaultList struct {
	Value []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// JobList is a page of GET .../vaults/{vault}/backupJobs.
type JobList struct {
	Value    []JobResource `json:"value"`
	NextLink string        `json:"nextLink"`
}

// JobResource is one backup job as the Recovery Services API gives it.
type JobResource struct {
	ID         string  `json:"id"` // the job's ARM ID: its external ID here
	Name       string  `json:"name"`
	Properties JobInfo `json:"properties"`
}

// JobInfo is the part of a job's properties a history needs; the job
// types (AzureIaaSVMJob, AzureWorkloadJob...) share these.
type JobInfo struct {
	JobType              string     `json:"jobType"`
	EntityFriendlyName   string     `json:"entityFriendlyName"`
	BackupManagementType string     `json:"backupManagementType"`
	Operation            string     `json:"operation"`
	Status               string     `json:"status"`
	StartTime            *time.Time `json:"startTime"`
	EndTime              *time.Time `json:"endTime"`
	ErrorDetails         []struct {
		ErrorCode    json.RawMessage `json:"errorCode"` // a number on VM jobs, a string on others
		ErrorString  string          `json:"errorString"`
		ErrorMessage string          `json:"errorMessage"`
	} `json:"errorDetails"`
}

// ParseVaults decodes a page of vaults; every vault needs its ID.
func ParseVaults(body []byte) (*VaultList, error) {
	var v VaultList
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("vault list: %w", err)
	}
	for i, x := range v.Value {
		if !strings.Contains(strings.ToLower(x.ID), "/providers/microsoft.recoveryservices/vaults/") {
			return nil, fmt.Errorf("vault list: value[%d] has no vault ID: %q", i, x.ID)
		}
	}
	return &v, nil
}

// ParseJobs decodes a page of backup jobs; every job needs its ID.
func ParseJobs(body []byte) (*JobList, error) {
	var l JobList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("job list: %w", err)
	}
	for i, j := range l.Value {
		if j.ID == "" {
			return nil, fmt.Errorf("job list: value[%d] has no id", i)
		}
	}
	return &l, nil
}

// Select turns the finished backup jobs of the resources named (all when
// none) into job results; running and cancelling jobs are left for a
// later fetch, and jobs that are not backups (restores, configuration) are
// not backup results.
func Select(list []JobResource, resources []string) []backup.Job {
	var out []backup.Job
	for _, r := range list {
		j, ok := Result(r)
		if !ok || !named(resources, r.Properties.EntityFriendlyName) {
			continue
		}
		out = append(out, j)
	}
	return out
}

func named(resources []string, name string) bool {
	if len(resources) == 0 {
		return true
	}
	for _, r := range resources {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// Result is the job result of one finished backup job.
func Result(r JobResource) (backup.Job, bool) {
	p := r.Properties
	if !strings.EqualFold(p.Operation, "Backup") || p.StartTime == nil || p.EndTime == nil || p.EndTime.Before(*p.StartTime) {
		return backup.Job{}, false
	}
	j := backup.Job{StartedAt: p.StartTime.UTC(), FinishedAt: p.EndTime.UTC(), RecoveryPoint: p.StartTime.UTC(), ExternalID: r.ID}
	if len(j.ExternalID) > 256 { // an ARM ID is shorter; keep a stranger one unique yet storable
		j.ExternalID = strings.ToValidUTF8(j.ExternalID[len(j.ExternalID)-256:], "")
	}
	switch p.Status {
	case "Completed":
		j.Status = backup.StatusOK
	case "CompletedWithWarnings":
		// A recovery point was made; the warning is worth reading.
		j.Status, j.Message = backup.StatusOK, "completed with warnings"
	case "Failed", "Cancelled":
		j.Status, j.Message = backup.StatusFailed, strings.ToLower(p.Status)
	default: // InProgress, Cancelling, Invalid: not finished
		return backup.Job{}, false
	}
	for _, e := range p.ErrorDetails {
		msg := e.ErrorString
		if msg == "" {
			msg = e.ErrorMessage
		}
		if msg != "" {
			j.Message += ": " + msg
		}
	}
	j.Message = strings.TrimSpace(p.EntityFriendlyName + " " + j.Message)
	if r := []rune(j.Message); len(r) > 4000 {
		j.Message = string(r[:4000])
	}
	return j, true
}
