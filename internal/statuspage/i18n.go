package statuspage

// words are the page's words in Japanese and English.
var words = map[string][2]string{
	"title":             {"稼働状況", "Status"},
	"state.operational": {"すべて正常に稼働しています", "All systems operational"},
	"state.degraded":    {"一部のサービスで障害が発生しています", "Some services are affected"},
	"state.outage":      {"サービスが停止しています", "Service outage"},
	"svc.operational":   {"正常", "Operational"},
	"svc.degraded":      {"影響あり", "Affected"},
	"svc.outage":        {"停止", "Outage"},
	"services":          {"サービス", "Services"},
	"notices":           {"お知らせ", "Incidents"},
	"no_notices":        {"現在お知らせはありません。", "No incidents reported."},
	"no_services":       {"表示するサービスがありません。", "No services to show."},
	"days_ago":          {"90日前", "90 days ago"},
	"today":             {"今日", "Today"},
	"uptime":            {"過去90日の稼働率", "Availability over 90 days"},
	"bar":               {"%s の過去90日の稼働率 %.3f%%", "%s: %.3f%% available over the last 90 days"},
	"no_data":           {"データなし", "no data"},
	"started":           {"発生", "Started"},
	"affects":           {"対象", "Affects"},
	"updated":           {"最終更新", "Last updated"},
	"json":              {"JSON 形式", "As JSON"},
	"lang.other":        {"English", "日本語"},
	"lang.other_code":   {"en", "ja"},
}

// t returns key's word in lang ("ja" or "en").
func t(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}
