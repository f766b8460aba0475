package monitoring

import (
	"fmt"
	"strings"
	"time"
)

// Languages of the item list.
const (
	LangJa = "ja"
	LangEn = "en"
)

// words are the fixed texts of the item list in both languages.
var words = map[string]Text{
	"title":    {Ja: "監視項目一覧", En: "Monitoring item list"},
	"tenant":   {Ja: "お客様", En: "Customer"},
	"created":  {Ja: "作成日", En: "Date"},
	"signoff":  {Ja: "承認", En: "Sign-off"},
	"author":   {Ja: "作成", En: "Prepared"},
	"reviewer": {Ja: "確認", En: "Reviewed"},
	"approver": {Ja: "承認", En: "Approved"},
	"empty":    {Ja: "監視項目はありません。", En: "No monitoring items."},
	"default":  {Ja: "既定", En: "default"},
	"collect":  {Ja: "収集のみ", En: "collect only"},

	"col.no": {Ja: "項番", En: "No."}, "col.host": {Ja: "ホスト", En: "Host"},
	"col.target": {Ja: "監視対象", En: "Target"}, "col.item": {Ja: "監視項目", En: "Item"},
	"col.kind": {Ja: "種別", En: "Kind"}, "col.threshold": {Ja: "閾値", En: "Threshold"},
	"col.warning": {Ja: "警告", En: "Warning"}, "col.critical": {Ja: "重大", En: "Critical"},
	"col.recovery": {Ja: "復旧", En: "Recovery"}, "col.interval": {Ja: "間隔", En: "Interval"},
	"col.for": {Ja: "継続時間", En: "For"}, "col.severity": {Ja: "重要度", En: "Severity"},
	"col.action":  {Ja: "対応 (インシデント / 通知)", En: "Action (incident / notification)"},
	"col.runbook": {Ja: "手順書", En: "Runbook"}, "col.slr": {Ja: "サービスレベル要件", En: "Service level requirement"},

	"kind.metric": {Ja: "メトリクス", En: "Metric"}, "kind.log": {Ja: "ログ監視", En: "Log"},
	"kind.nodata": {Ja: "データ途絶", En: "No data"}, "kind.os": {Ja: "OS性能収集", En: "OS metrics"},
	"kind.process": {Ja: "プロセス監視", En: "Process"}, "kind.service": {Ja: "サービス監視", En: "Service"},
	"kind.exporter": {Ja: "エクスポーター", En: "Exporter"}, "kind.zabbix": {Ja: "Zabbixエージェント", En: "Zabbix agent"}, "kind.check": {Ja: "外形監視", En: "Check"},
	"kind.backup":    {Ja: "バックアップ監視", En: "Backup"},
	"kind.snmp":      {Ja: "SNMP監視", En: "SNMP"},
	"backup.command": {Ja: "エージェント設定のバックアップコマンド", En: "backup command in the agent's file"},
	"backup.policy":  {Ja: "ポリシー %s", En: "policy %s"},

	"severity.critical": {Ja: "重大", En: "Critical"}, "severity.warning": {Ja: "警告", En: "Warning"},
	"severity.info": {Ja: "情報", En: "Info"},

	"policy.new": {Ja: "インシデント起票", En: "Open incident"}, "policy.attach": {Ja: "既存インシデントに追記", En: "Attach to open incident"},
	"policy.none": {Ja: "通知のみ", En: "Notify only"},

	"cond.log":        {Ja: "%[2]s間に%[1]d件以上", En: "≥ %[1]d in %[2]s"},
	"cond.check":      {Ja: "%d回連続失敗", En: "%d consecutive failures"},
	"cond.check_once": {Ja: "1回失敗", En: "1 failure"}, // "1回連続" is no Japanese, "1 consecutive failures" no English
	"check.server":    {Ja: "サーバーから", En: "from the server"},
	"cond.nodata":     {Ja: "%s間データなし", En: "no data for %s"},
	"cond.process":    {Ja: "起動数 < %d", En: "< %d running"},
	"cond.service":    {Ja: "停止", En: "not running"},
	"cond.exporter":   {Ja: "取得失敗", En: "scrape fails"},
	"cond.backup":     {Ja: "失敗", En: "last run failed"},
	"cond.backup_age": {Ja: "失敗、または成功から%s超過", En: "last run failed, or good run older than %s"},
	"cond.host":       {Ja: "ホスト全体", En: "whole host"},
}

// word returns the text of key in lang.
func word(lang, key string) string {
	t, ok := words[key]
	if !ok {
		return key
	}
	return t.In(lang)
}

// wordf formats the text of key in lang with args.
func wordf(lang, key string, args ...any) string {
	return fmt.Sprintf(word(lang, key), args...)
}

// HumanDuration writes d as the item list does, for rows of other sources.
func HumanDuration(lang string, d time.Duration) string { return humanDuration(lang, d) }

// humanDuration writes d for a reader: 5分 or 1時間30分 in Japanese, 5m or 1h30m in English.
func humanDuration(lang string, d time.Duration) string {
	if lang != LangJa {
		return shortDuration(d)
	}
	var b strings.Builder
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		fmt.Fprintf(&b, "%d時間", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%d分", m)
	}
	if s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%d秒", s)
	}
	return b.String()
}
