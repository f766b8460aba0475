package backup

import (
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// titles name each condition's alert, in Japanese and English.
var titles = map[Condition]struct{ ja, en string }{
	ConditionRPO:    {"バックアップRPO超過", "Backup RPO exceeded"},
	ConditionFailed: {"バックアップ失敗", "Backup failed"},
	ConditionMissed: {"バックアップ未実行", "Backup run missing"},
}

// signalOf is the alert signal of one condition of p: firing since the
// moment it began, or resolved.
func signalOf(p *Policy, st Status, c Condition, fp string, since time.Time, firing bool, resource string) alert.Signal {
	s := alert.Signal{
		Source: alert.SourceBackup, Fingerprint: fp, Status: alert.StateResolved, Severity: alert.SeverityCritical,
		Name: fmt.Sprintf("%s / %s: %s", titles[c].ja, titles[c].en, p.Name), Resource: resource, RunbookURL: p.Runbook,
		Labels: map[string]string{"alertname": "Backup" + string(c), "backup_policy": p.Name, "condition": string(c),
			"policy_id": strconv.FormatInt(p.ID, 10), "service_id": strconv.FormatInt(p.ServiceID, 10)},
		StartsAt: since,
	}
	if c == ConditionMissed {
		s.Severity = alert.SeverityWarning
	}
	if !firing {
		s.Summary = "recovered"
		return s
	}
	s.Status = alert.StateFiring
	switch c {
	case ConditionRPO:
		if st.LastGoodPoint != nil {
			s.Summary = fmt.Sprintf("the last good recovery point %s is older than the RPO %s", st.LastGoodPoint.Format(time.RFC3339), time.Duration(st.RPO))
		} else {
			s.Summary = fmt.Sprintf("no good recovery point within the RPO %s since the policy was created", time.Duration(st.RPO))
		}
	case ConditionFailed:
		s.Summary = fmt.Sprintf("the job that finished at %s ended %s", st.LastJob.FinishedAt.Format(time.RFC3339), st.LastJob.Status)
		if st.LastJob.Message != "" {
			s.Summary += ": " + st.LastJob.Message
		}
	case ConditionMissed:
		s.Summary = fmt.Sprintf("no job started for the run scheduled at %s", st.MissedRun.Format(time.RFC3339))
	}
	return s
}
