package console

// discoveryCatalog holds the words of a tenant's cloud discovery page and
// the board's cloud health banner.
var discoveryCatalog = map[string][2]string{ // key: {ja, en}
	"dsc.title":          {"%s のクラウド検出", "Cloud discovery of %s"},
	"dsc.link":           {"クラウド検出", "Cloud discovery"},
	"dsc.rules":          {"検出ルール", "Discovery rules"},
	"dsc.rules_hint":     {"何も選ばなければ、カタログにあるすべての種類を全リソースグループ・全リージョンで登録します。", "Nothing chosen registers every catalogued type in every resource group and region."},
	"dsc.types":          {"種類", "Types"},
	"dsc.tags":           {"タグ（1行に key=value、値 * は任意）", "Tags (key=value a line; value * for any)"},
	"dsc.groups":         {"リソースグループ（カンマ区切り、Azure）", "Resource groups (comma-separated, Azure)"},
	"dsc.regions":        {"リージョン（カンマ区切り）", "Regions (comma-separated)"},
	"dsc.save":           {"ルールを保存", "Save the rules"},
	"dsc.accounts":       {"アカウントと前回の検出", "Accounts and their last discovery"},
	"dsc.no_accounts":    {"クラウドアカウントがありません。先に登録してください。", "No cloud accounts: add one first."},
	"dsc.last_run":       {"前回の検出", "Last discovery"},
	"dsc.never":          {"未実行", "not yet"},
	"dsc.run":            {"今すぐ検出", "Discover now"},
	"dsc.run_ok":         {"検出しました: %d 件を確認、%d 件を新規登録、%d 件が消失。", "Discovered: %d found, %d registered, %d gone."},
	"dsc.run_failed":     {"検出に失敗しました: %s", "Discovery failed: %s"},
	"dsc.resources":      {"検出されたリソース", "Discovered resources"},
	"dsc.no_resources":   {"検出されたリソースはありません。", "No discovered resources."},
	"dsc.name":           {"名前", "Name"},
	"dsc.type":           {"種類", "Type"},
	"dsc.region":         {"リージョン", "Region"},
	"dsc.cloud_id":       {"クラウド上の ID", "Cloud ID"},
	"dsc.state":          {"状態", "State"},
	"dsc.present":        {"存在", "present"},
	"dsc.gone":           {"消失（%s 以降）", "gone since %s"},
	"dsc.health_banner":  {"クラウドの正常性イベントが発生中です", "Cloud health events are open"},
	"dsc.health_account": {"アカウント全体", "whole account"},
}
