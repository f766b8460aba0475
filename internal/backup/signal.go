package backup

import (
	"cmp"
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
		s.Summaries = alert.Text{Ja: "解消しました", En: "recovered"}
		return s
	}
	s.Status = alert.StateFiring
	s.Summaries = summaryOf(p, st, c)
	return s
}

// results name a job's result in Japanese, as the summary of a failed job
// says it.
var results = map[Result]string{StatusOK: "成功", StatusFailed: "失敗", StatusPartial: "一部失敗"}

// summaryOf says why condition c of p fires, in Japanese and English.
func summaryOf(p *Policy, st Status, c Condition) alert.Text {
	at := func(t *time.Time) string { return t.Format(time.RFC3339) }
	switch c {
	case ConditionRPO:
		rpo := time.Duration(st.RPO).String()
		if st.LastGoodPoint != nil {
			return alert.Text{Ja: fmt.Sprintf("最後の正常な復旧ポイント %s が RPO %s より古くなっています", at(st.LastGoodPoint), rpo),
				En: fmt.Sprintf("the last good recovery point %s is older than the RPO %s", at(st.LastGoodPoint), rpo)}
		}
		return alert.Text{Ja: fmt.Sprintf("ポリシー作成以来、RPO %s 以内の正常な復旧ポイントがありません", rpo),
			En: fmt.Sprintf("no good recovery point within the RPO %s since the policy was created", rpo)}
	case ConditionFailed:
		t := alert.Text{Ja: fmt.Sprintf("%s に終了したジョブの結果は%sでした", at(&st.LastJob.FinishedAt), cmp.Or(results[st.LastJob.Status], string(st.LastJob.Status))),
			En: fmt.Sprintf("the job that finished at %s ended %s", at(&st.LastJob.FinishedAt), st.LastJob.Status)}
		if m := st.LastJob.Message; m != "" {
			t.Ja, t.En = t.Ja+": "+m, t.En+": "+m
		}
		return t
	case ConditionMissed:
		return alert.Text{Ja: fmt.Sprintf("%s に予定された実行のジョブが開始されていません", at(st.MissedRun)),
			En: fmt.Sprintf("no job started for the run scheduled at %s", at(st.MissedRun))}
	case ConditionSize:
		return alert.Text{Ja: fmt.Sprintf("%s に終了した正常なジョブの保存量 %d バイトが、それ以前のジョブの中央値 %d バイトの %d%%〜%d%% の範囲外です",
			at(st.LastGoodPoint), st.lastGoodSize, st.MedianSize, p.SizeLowPercent, p.SizeHighPercent),
			En: fmt.Sprintf("the good job that finished at %s saved %d bytes, outside %d%%-%d%% of the median %d bytes of the jobs before it",
				at(st.LastGoodPoint), st.lastGoodSize, p.SizeLowPercent, p.SizeHighPercent, st.MedianSize)}
	case ConditionRetention:
		keep := time.Duration(p.Retention).String()
		if st.OldestPoint != nil {
			return alert.Text{Ja: fmt.Sprintf("保持されている最古の復旧ポイント %s が、保持期間 %s に届いていません", at(st.OldestPoint), keep),
				En: fmt.Sprintf("the oldest recovery point kept, %s, is younger than the retention %s promises", at(st.OldestPoint), keep)}
		}
		return alert.Text{Ja: fmt.Sprintf("保持期間は %s ですが、保持されている復旧ポイントがありません", keep),
			En: fmt.Sprintf("no recovery point is kept though the retention is %s", keep)}
	case ConditionRestoreOverdue:
		return alert.Text{Ja: fmt.Sprintf("%s が期限のリカバリ訓練 (計画 %q) が実施されていません", at(st.RestoreDue), p.RestorePlan),
			En: fmt.Sprintf("the restore test due at %s (plan %q) has not been performed", at(st.RestoreDue), p.RestorePlan)}
	}
	return alert.Text{}
}
