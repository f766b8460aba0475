package console

// opsCatalog holds the words of the operator's daily forms: incidents
// opened, assigned and reopened by hand, alerts linked, report drafts, the
// wall board. Merged into catalog, so TestCatalogComplete covers it.
var opsCatalog = map[string][2]string{ // key: {ja, en}
	"ops.group":          {"担当グループ", "Assignment group"},
	"ops.assignee":       {"担当者", "Assigned to"},
	"ops.unassigned":     {"未割り当て", "unassigned"},
	"ops.assign":         {"担当を割り当てる", "Assign"},
	"ops.no_clocks":      {"SLAの目標が設定されていません。", "No SLA target applies."},
	"ops.reopen":         {"再オープンする", "Reopen"},
	"ops.reopen_hint":    {"解決から7日以内は再オープンできます（%s まで）。SLAの時計は解決中の時間を一時停止として続きから進みます。", "A resolved incident may be reopened within 7 days of its resolution (until %s). Its SLA clocks count the resolved time as paused and run on."},
	"ops.incident":       {"インシデント", "Incident"},
	"ops.link":           {"インシデントに関連付ける", "Link to an incident"},
	"ops.open_incident":  {"インシデントを起票する", "Open an incident"},
	"ops.description":    {"詳細", "Description"},
	"ops.service":        {"サービス", "Service"},
	"ops.no_service":     {"（なし）", "(none)"},
	"ops.all_services":   {"すべてのサービス（お客様全体）", "All services (the whole customer)"},
	"ops.impact":         {"影響度", "Impact"},
	"ops.urgency":        {"緊急度", "Urgency"},
	"ops.level1":         {"高", "High"},
	"ops.level2":         {"中", "Medium"},
	"ops.level3":         {"低", "Low"},
	"ops.priority_hint":  {"優先度は影響度と緊急度から決まります（ServiceNowの既定の表と同じ）。", "The priority follows from impact and urgency (ServiceNow's default matrix)."},
	"ops.report_create":  {"報告書の下書きを作成", "Create a report draft"},
	"ops.report_hint":    {"期間はお客様のタイムゾーンの日付で、終了日を含みます。最長366日です。", "Dates are days in the customer's time zone, the end day included; at most 366 days."},
	"ops.board_customer": {"%s の状態", "%s: health"},
	"ops.wall":           {"ウォール表示", "Wall mode"},
	"ops.wall_exit":      {"通常表示に戻る", "Leave wall mode"},
	"ops.wall_refreshed": {"%s 更新（60秒ごとに自動更新）", "Updated %s (refreshes every 60 s)"},
}
