package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// rowWords are the item list's words for backup rows, in Japanese and English.
var rowWords = map[string]struct{ ja, en string }{
	"kind":      {"バックアップ", "Backup"},
	"item":      {"%s: %s", "%s: %s"},
	"action":    {"インシデント起票", "Open incident"},
	"critical":  {"重大", "Critical"},
	"warning":   {"警告", "Warning"},
	"slr":       {"RPO %s / RTO %s", "RPO %s / RTO %s"},
	"on_change": {"ジョブ受信時・期限時", "on each job and deadline"},
	"c.rpo":     {"最新の正常な復旧点が %s より古い", "newest good point older than %s"},
	"c.failed":  {"最新のジョブが失敗または一部失敗", "newest job failed or partial"},
	"c.missed":  {"%s の実行が猶予 %s 内に開始されない", "run of %s not started within %s"},
	"c.size":    {"正常ジョブのサイズが直近の中央値の %d%% 未満または %d%% 超", "good job size < %d%% or > %d%% of the recent median"},
	"c.ret":     {"保持期間 %s 経過後、最古の復旧点が %s より新しい", "after the retention %s, oldest point younger than %s"},
	"c.restore": {"リカバリ訓練（%s）が予定から猶予 %s を過ぎても未実施", "restore test (%s) not done within %s of its due date"},
}

func rw(lang, key string, args ...any) string {
	w := rowWords[key]
	s := w.ja
	if lang == monitoring.LangEn {
		s = w.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// ItemRows lists tenant's backup policies and their compliance rules as
// rows of the item list (監視項目一覧), in lang: one row per rule, on the
// policy's resource (or its service when it names none).
func (s *Store) ItemRows(ctx context.Context, tenant, lang string) ([]monitoring.Row, error) {
	ps, err := s.Policies(ctx, tenant)
	if err != nil {
		return nil, err
	}
	svcs, err := s.objects.Services(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read services: %w", err)
	}
	names := map[int64]string{}
	for _, svc := range svcs {
		names[svc.ID] = svc.Name
	}
	d := func(v time.Duration) string {
		if v <= 0 {
			return "-"
		}
		return monitoring.HumanDuration(lang, v)
	}
	var rows []monitoring.Row
	for _, p := range ps {
		host := names[p.ServiceID]
		if p.ResourceID != 0 {
			if r, err := s.objects.Resource(ctx, tenant, p.ResourceID); err == nil {
				host = r.Name
			}
		}
		runbook := p.Runbook
		if runbook == "" {
			runbook = "-"
		}
		rpo, grace := time.Duration(p.EffectiveRPO), time.Duration(p.Grace)
		type check struct {
			title, cond string
			critical    bool
		}
		checks := []check{
			{titleOf(lang, ConditionRPO), rw(lang, "c.rpo", d(rpo)), true},
			{titleOf(lang, ConditionFailed), rw(lang, "c.failed"), true},
			{titleOf(lang, ConditionMissed), rw(lang, "c.missed", p.Schedule, d(grace)), false},
			{titleOf(lang, ConditionSize), rw(lang, "c.size", p.SizeLowPercent, p.SizeHighPercent), false},
			{titleOf(lang, ConditionRetention), rw(lang, "c.ret", d(time.Duration(p.Retention)), d(time.Duration(p.Retention)-rpo)), false},
		}
		if p.RestorePlan != "" {
			checks = append(checks, check{titleOf(lang, ConditionRestoreOverdue), rw(lang, "c.restore", p.RestorePlan, d(time.Duration(p.RestoreGrace))), false})
		}
		for i, c := range checks {
			row := monitoring.Row{Host: host, Target: p.Target, Item: rw(lang, "item", p.Name, c.title), Kind: rw(lang, "kind"),
				Warning: "-", Critical: "-", Recovery: "-", Interval: rw(lang, "on_change"), For: "-", Action: rw(lang, "action"),
				Runbook: runbook, SLR: rw(lang, "slr", d(rpo), d(time.Duration(p.EffectiveRTO))), FirstOfHost: i == 0}
			if c.critical {
				row.Critical, row.Severity = c.cond, rw(lang, "critical")
			} else {
				row.Warning, row.Severity = c.cond, rw(lang, "warning")
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// titleOf is the name of a condition's alert in lang.
func titleOf(lang string, c Condition) string {
	if lang == monitoring.LangEn {
		return titles[c].en
	}
	return titles[c].ja
}
