package backup

import (
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// titles name each condition's alert, in Japanese and English: the alert
// keeps both, and each reader, channel and report shows the one in its
// language.
var titles = map[Condition]struct{ ja, en string }{
	ConditionRPO:            {"バックアップRPO超過", "Backup RPO exceeded"},
	ConditionFailed:         {"バックアップ失敗", "Backup failed"},
	ConditionMissed:         {"バックアップ未実行", "Backup run missing"},
	ConditionSize:           {"バックアップサイズ異常", "Backup size anomaly"},
	ConditionRetention:      {"バックアップ保持期間不足", "Backup retention short"},
	ConditionRestoreOverdue: {"リカバリ訓練期限超過", "Restore test overdue"},
}

// signalOf is the alert signal of one condition of p: firing since the
// moment it began, or resolved.
func signalOf(p *Policy, st Status, c Condition, fp string, since time.Time, firing bool, resource string) alert.Signal {
	s := alert.Signal{
		Source: alert.SourceBackup, Fingerprint: fp, Status: alert.StateResolved, Severity: alert.SeverityCritical,
		Name: titles[c].en + ": " + p.Name, Title: alert.Text{Ja: titles[c].ja + ": " + p.Name, En: titles[c].en + ": " + p.Name},
		Resource: resource, RunbookURL: p.Runbook,
		Labels: map[string]string{"alertname": "Backup" + string(c), "backup_policy": p.Name, "condition": string(c),
			"policy_id": strconv.FormatInt(p.ID, 10), "service_id": strconv.FormatInt(p.ServiceID, 10)},
		StartsAt: since,
	}
	if c != ConditionRPO && c != ConditionFailed {
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
	case ConditionSize:
		s.Summary = fmt.Sprintf("the good job that finished at %s saved %d bytes, outside %d%%-%d%% of the median %d bytes of the jobs before it",
			st.LastGoodPoint.Format(time.RFC3339), st.lastGoodSize, p.SizeLowPercent, p.SizeHighPercent, st.MedianSize)
	case ConditionRetention:
		if st.OldestPoint != nil {
			s.Summary = fmt.Sprintf("the oldest recovery point kept, %s, is younger than the retention %s promises", st.OldestPoint.Format(time.RFC3339), time.Duration(p.Retention))
		} else {
			s.Summary = fmt.Sprintf("no recovery point is kept though the retention is %s", time.Duration(p.Retention))
		}
	case ConditionRestoreOverdue:
		s.Summary = fmt.Sprintf("the restore test due at %s (plan %q) has not been performed", st.RestoreDue.Format(time.RFC3339), p.RestorePlan)
	}
	return s
}
