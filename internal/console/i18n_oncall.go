package console

// oncallCatalog holds the words of a tenant's on-call page.
var oncallCatalog = map[string][2]string{ // key: {ja, en}
	"onc.title":     {"%s のオンコール", "On call for %s"},
	"onc.link":      {"オンコール", "On call"},
	"onc.none":      {"ローテーションはありません。API で作成できます。", "No rotations. Create them through the API."},
	"onc.zone":      {"タイムゾーン", "Time zone"},
	"onc.now":       {"現在の担当", "On call now"},
	"onc.nobody":    {"担当者なし", "Nobody"},
	"onc.until":     {"%s まで", "until %s"},
	"onc.week":      {"今後7日間", "The next 7 days"},
	"onc.who":       {"担当者", "Who"},
	"onc.layer":     {"レイヤー", "Layer"},
	"onc.from":      {"開始", "From"},
	"onc.to":        {"終了", "To"},
	"onc.overrides": {"オーバーライド（休暇・交代）", "Overrides (holidays, swaps)"},
	"onc.no_ovr":    {"オーバーライドはありません。", "No overrides."},
	"onc.add_ovr":   {"オーバーライドを追加", "Add an override"},
	"onc.contact":   {"連絡先名", "Contact name"},
	"onc.note":      {"メモ", "Note"},
	"onc.local":     {"時刻はローテーションのタイムゾーン (%s) です。", "Times are in the rotation's time zone (%s)."},
}
