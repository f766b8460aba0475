package console

import (
	"fmt"
	"strings"
	"time"
)

// catalog holds every user-facing word of the console, Japanese and English.
// A key missing from one language is a test failure (TestCatalogComplete).
var catalog = merged(baseCatalog, deskCatalog, maintenanceCatalog, notifyCatalog, backupCatalog, capacityCatalog, cloudCatalog, discoveryCatalog,
	problemCatalog, changeCatalog, serviceDeskCatalog, improvementCatalog, oncallCatalog, vendorCaseCatalog, adminCatalog, dashboardCatalog,
	portalCatalog, opsCatalog, deleteCatalog)

// baseCatalog is the words of the first pages: login, board, tenants, settings.
var baseCatalog = map[string][2]string{ // key: {ja, en}
	"app":               {"unyo", "unyo"},
	"skip":              {"本文へ移動", "Skip to content"},
	"nav.main":          {"メインメニュー", "Main navigation"},
	"nav.board":         {"ボード", "Board"},
	"nav.tenants":       {"お客様", "Customers"},
	"nav.alerts":        {"アラート", "Alerts"},
	"nav.incidents":     {"インシデント", "Incidents"},
	"nav.maintenance":   {"メンテナンス", "Maintenance"},
	"nav.reports":       {"レポート", "Reports"},
	"nav.tokens":        {"APIトークン", "API tokens"},
	"nav.users":         {"ユーザー", "Users"},
	"nav.settings":      {"設定", "Settings"},
	"login.title":       {"ログイン", "Log in"},
	"login.login":       {"ログインID", "Login"},
	"login.password":    {"パスワード", "Password"},
	"login.submit":      {"ログイン", "Log in"},
	"login.oidc":        {"シングルサインオンでログイン", "Log in with single sign-on"},
	"login.failed":      {"ログインIDまたはパスワードが正しくありません。", "The login or the password is wrong."},
	"login.throttled":   {"ログインの失敗が続いたため、しばらく受け付けません。%s 秒後にもう一度お試しください。", "Too many failed logins: please try again in %s seconds."},
	"login.oidc_failed": {"シングルサインオンに失敗しました。もう一度お試しください。", "Single sign-on failed. Please try again."},
	"login.unverified":  {"シングルサインオンのプロバイダーがメールアドレスを確認済みとしていないため、アカウントに紐付けられません。管理者にお問い合わせください。", "Your single sign-on provider has not verified your e-mail address, so it cannot be linked to an account. Please ask your administrator."},
	"login.no_account":  {"このメールアドレスのアカウントはありません。管理者にお問い合わせください。", "There is no account for this e-mail address. Please ask your administrator."},
	"logout":            {"ログアウト", "Log out"},
	"prefs":             {"表示設定", "Display settings"},
	"pwd.link":          {"パスワード変更", "Change password"},
	"pwd.title":         {"パスワードの変更", "Change your password"},
	"pwd.lead":          {"変更すると、ほかのブラウザーや端末のログインはすべて終了します。", "Changing it logs you out of every other browser and device."},
	"pwd.current":       {"現在のパスワード", "Current password"},
	"pwd.new":           {"新しいパスワード（%d文字以上）", "New password (%d characters or more)"},
	"pwd.confirm":       {"新しいパスワード（確認）", "New password again"},
	"pwd.submit":        {"パスワードを変更", "Change password"},
	"pwd.changed":       {"パスワードを変更しました。ほかのログインは終了しました。", "Your password is changed. Your other logins are ended."},
	"pwd.wrong_current": {"現在のパスワードが正しくありません。", "The current password is wrong."},
	"pwd.banner":        {"このパスワードはほかの人（管理者、または初回起動時の自動生成）が設定したものです。ご自身だけが知るパスワードに変更してください。", "Your password was set by someone else (an administrator, or generated at the first start). Change it to one only you know."},
	"pwd.banner_link":   {"パスワードを変更する", "Change your password"},
	"prefs.language":    {"言語", "Language"},
	"prefs.time_zone":   {"タイムゾーン", "Time zone"},
	"prefs.save":        {"保存", "Save"},
	"lang.ja":           {"日本語", "日本語 (Japanese)"},
	"lang.en":           {"English (英語)", "English"},
	"board.title":       {"全体ボード", "Board"},
	"board.lead":        {"すべてのお客様の状態", "The health of every customer"},
	"board.tenant":      {"お客様", "Customer"},
	"board.services":    {"サービス", "Services"},
	"board.resources":   {"リソース", "Resources"},
	"board.alerts":      {"発生中のアラート", "Firing alerts"},
	"board.incidents":   {"未解決のインシデント", "Open incidents"},
	"board.not_wired":   {"未接続", "not connected"},
	"board.not_wired_note": {"アラートとインシデントの情報源はまだ接続されていません。件数は不明です（0件ではありません）。",
		"Alerts and incidents are not connected yet: their counts are unknown, not zero."},
	"board.none":          {"なし", "none"},
	"board.availability":  {"今月の稼働率", "Availability this month"},
	"board.target":        {"目標", "target"},
	"board.unavailable":   {"取得できません", "unavailable"},
	"board.empty":         {"お客様はまだ登録されていません。", "No customers yet."},
	"board.due":           {"期限", "due"},
	"board.paused":        {"停止中", "paused"},
	"board.breached":      {"超過", "breached"},
	"clock.acknowledge":   {"受付", "acknowledge"},
	"clock.identify":      {"原因特定", "identify"},
	"clock.resolve":       {"解決", "resolve"},
	"sev.critical":        {"重大", "critical"},
	"sev.warning":         {"警告", "warning"},
	"sev.info":            {"情報", "info"},
	"tenant.services":     {"サービスとリソース", "Services and resources"},
	"tenant.no_service":   {"サービスに属さないリソース", "Resources in no service"},
	"tenant.no_resources": {"リソースはありません。", "No resources."},
	"tenant.monitoring":   {"監視設定", "Monitoring"},
	"res.not_in_networks": {"%s はテナント %s のネットワーク外のため、サーバーから接続しません(up は 0 になります)", "%s is not in tenant %s's networks: the server does not connect to it (up reads 0)"},
	"tenant.networks":     {"ポーリング対象ネットワーク", "Polled networks"},
	"tenant.networks_help": {"サーバーが Zabbix エージェント・SNMP 機器・サーバー実行のチェックをポーリングするとき、このテナントの内部アドレス(ループバック・プライベート・リンクローカル)はここに挙げたネットワークの中で、かつサーバー全体の許可リストの中にある場合だけ接続します。パブリックアドレスは対象外です。",
		"When the server polls Zabbix agents, SNMP devices and server-run checks, it reaches an internal address (loopback, private, link-local) of this tenant only if it is inside these networks and inside the server-wide allow list. Public addresses are not affected."},
	"tenant.networks_none":  {"ネットワークはありません。このテナントの内部アドレスはサーバーからポーリングされません。", "No networks: the server polls no internal address of this tenant."},
	"tenant.networks_label": {"ネットワーク(CIDR、1 行に 1 つ)", "Networks (CIDR, one per line)"},
	"tenant.networks_save":  {"ネットワークを保存", "Save networks"},
	"tenant.networks_saved": {"ネットワークを保存しました。", "Networks saved."},
	"tenant.level":          {"サービスレベル", "Service level"},
	"res.name":              {"名前", "Name"},
	"design.drift":          {"手動変更あり", "Changed by hand"},
	"design.drift_hint":     {"設計ファイルの前回の apply 以降に手で変更されています。次の apply で設計の内容に戻ります。", "Changed by hand since the design files were last applied: the next apply puts it back as designed."},
	"res.kind":              {"種類", "Kind"},
	"res.labels":            {"ラベル", "Labels"},
	"res.collector":         {"監視経路 (コレクター)", "Collector"},
	"res.direct":            {"サーバーから直接", "direct"},
	"res.collects":          {"コレクター本体:", "the collector"},
	"res.charts":            {"メトリクス", "Metrics"},
	"res.range":             {"期間", "Time range"},
	"res.cpu":               {"CPU使用率", "CPU usage"},
	"res.memory":            {"メモリ使用率", "Memory usage"},
	"res.no_data":           {"この期間のデータはありません。", "No data in this time range."},
	"res.no_metrics":        {"メトリクスストアが接続されていません。", "The metric store is not connected."},
	"res.items":             {"適用されている監視項目", "Monitoring items in effect"},
	"res.threshold":         {"しきい値", "Threshold"},
	"res.recovery":          {"復旧", "recovery"},
	"res.disabled":          {"無効", "disabled"},
	"res.override":          {"このホストだけの変更 (オーバーライド)", "Override for this host"},
	"res.override_lead":     {"空欄のしきい値はテンプレートの値のままです。理由は監視項目一覧に載ります。", "Empty levels keep the template's; the reason shows in the item list."},
	"res.item":              {"監視項目", "Item"},
	"res.disable":           {"このホストでは無効にする", "Disable on this host"},
	"res.note":              {"理由", "Reason"},
	"res.override_submit":   {"変更する", "Override"},
	"res.overridden":        {"このホストの監視項目を変更しました。", "The item is overridden on this host."},
	"res.chart_desc":        {"%s の %s から %s までの推移", "%s from %s to %s"},
	"range.1h":              {"1時間", "1 hour"},
	"range.6h":              {"6時間", "6 hours"},
	"range.24h":             {"24時間", "24 hours"},
	"range.7d":              {"7日", "7 days"},
	"range.30d":             {"30日", "30 days"},
	"mon.title":             {"監視設定", "Monitoring"},
	"mon.templates":         {"テンプレート", "Templates"},
	"mon.assignments":       {"割り当て", "Assignments"},
	"mon.assign":            {"テンプレートをホストに割り当て", "Assign a template to a host"},
	"mon.template":          {"テンプレート", "Template"},
	"mon.host":              {"ホスト", "Host"},
	"mon.selector":          {"セレクター", "Selector"},
	"mon.items":             {"項目数", "Items"},
	"mon.global":            {"共通", "shared"},
	"mon.export":            {"監視項目一覧の出力", "Export the item list"},
	"mon.csv":               {"CSV", "CSV"},
	"mon.html":              {"HTML（印刷用）", "HTML (for print)"},
	"mon.assigned":          {"割り当てました。", "Assigned."},
	"mon.none":              {"割り当てはありません。", "No assignments."},
	"mon.not_wired":         {"監視設定は接続されていません。", "Monitoring design is not connected."},
	"tok.title":             {"APIトークン", "API tokens"},
	"tok.name":              {"名前", "Name"},
	"tok.tenant":            {"お客様", "Customer"},
	"tok.all_tenants":       {"全お客様（MSP全体）", "All customers (MSP-wide)"},
	"tok.scopes":            {"権限", "Scopes"},
	"tok.prefix":            {"先頭", "Prefix"},
	"tok.created":           {"作成日時", "Created"},
	"tok.last_used":         {"最終使用", "Last used"},
	"tok.state":             {"状態", "State"},
	"scope.ingest":          {"データ送信", "ingest"},
	"scope.read":            {"参照", "read"},
	"scope.write":           {"更新", "write"},
	"scope.admin":           {"管理", "admin"},
	"scope.enroll":          {"エージェント登録", "enroll"},
	"scope.collect":         {"コレクター", "collect"},
	"tok.active":            {"有効", "active"},
	"tok.revoked":           {"失効", "revoked"},
	"tok.revoke":            {"失効させる", "Revoke"},
	"tok.create":            {"トークンを作成", "Create a token"},
	"tok.secret":            {"新しいトークン。この画面でしか表示されません。今すぐコピーしてください。", "Your new token. It is shown only now: copy it."},
	"tok.revoked_ok":        {"トークンを失効させました。", "The token is revoked."},
	"usr.title":             {"ユーザー", "Users"},
	"usr.login":             {"ログインID", "Login"},
	"usr.name":              {"氏名", "Name"},
	"usr.email":             {"メールアドレス", "E-mail"},
	"usr.role":              {"役割", "Role"},
	"usr.tenant":            {"お客様（閲覧者・依頼者のみ）", "Customer (viewers and requesters only)"},
	"usr.password":          {"パスワード（12文字以上）", "Password (12 characters or more)"},
	"usr.lang.ja":           {"日本語", "Japanese"},
	"usr.lang.en":           {"英語", "English"},
	"usr.create":            {"ユーザーを作成", "Create a user"},
	"usr.created":           {"ユーザーを作成しました。", "The user is created."},
	"role.admin":            {"管理者", "admin"},
	"role.operator":         {"オペレーター", "operator"},
	"role.viewer":           {"閲覧者", "viewer"},
	"role.requester":        {"依頼者", "requester"},
	"err.title":             {"エラー", "Error"},
	"err.400":               {"入力内容に誤りがあります。", "The input is not acceptable."},
	"err.403":               {"このページを表示する権限がありません。", "You may not see this page."},
	"err.404":               {"ページが見つかりません。", "The page does not exist."},
	"err.500":               {"サーバーでエラーが発生しました。", "Something went wrong on the server."},
	"err.csrf":              {"フォームの有効期限が切れました。ページを再読み込みしてください。", "The form has expired. Reload the page and try again."},
	"err.field":             {"%s: %s", "%s: %s"},
	"back":                  {"ボードに戻る", "Back to the board"},
	"none":                  {"—", "—"},
	"never":                 {"未使用", "never"},
	"actor.alert":           {"アラート (自動)", "alert (automatic)"},
	"actor.sla":             {"SLA (自動)", "SLA (automatic)"},
	"who.token":             {"APIトークン %s", "API token %s"},
}

// locale is the language and time zone a page is rendered in.
type locale struct {
	Lang string // "ja" or "en"
	Loc  *time.Location
	// people names the users who did what a page shows; nil before login.
	people *people
}

func newLocale(lang, zone string) locale {
	if lang != "en" {
		lang = "ja"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	return locale{Lang: lang, Loc: loc}
}

// T returns the text of key, formatted with args when given. An unknown key
// shows as itself, so a missing word is visible rather than blank.
func (l locale) T(key string, args ...any) string {
	w, ok := catalog[key]
	if !ok {
		return key
	}
	s := w[0]
	if l.Lang == "en" {
		s = w[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// TOr is the word of key, or fallback, shown as it is, when the catalog
// has none: a channel's configuration field names a word only for the
// fields the form knows.
func (l locale) TOr(key, fallback string) string {
	if _, ok := catalog[key]; ok {
		return l.T(key)
	}
	return fallback
}

// Actor names who wrote an entry or did an act, as recorded (the session's
// subject "user:alice", a token's "token:ci", the server's own "alert"): a
// person by their name, else their login; a token as one; the server's own
// actors (the alert engine, the SLA clock) in the reader's language; what a
// person typed as it is.
func (l locale) Actor(name string) string {
	if login, ok := strings.CutPrefix(name, "user:"); ok && login != "" {
		return l.people.name(login)
	}
	if token, ok := strings.CutPrefix(name, "token:"); ok && token != "" {
		return l.T("who.token", token)
	}
	return l.TOr("actor."+name, name)
}

// Time shows t in the user's time zone.
func (l locale) Time(t time.Time) string {
	if t.IsZero() {
		return l.T("none")
	}
	return t.In(l.Loc).Format("2006-01-02 15:04 MST")
}

// TimePtr shows an optional time, or "never".
func (l locale) TimePtr(t *time.Time) string {
	if t == nil {
		return l.T("never")
	}
	return l.Time(*t)
}

// langFromHeader picks the language of a page shown before login.
func langFromHeader(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return "ja"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "ja"
}

// merged is the union of catalogs; a key in two of them is a programming
// error caught at start.
func merged(cs ...map[string][2]string) map[string][2]string {
	out := map[string][2]string{}
	for _, c := range cs {
		for k, w := range c {
			if _, dup := out[k]; dup {
				panic("console: catalog key " + k + " defined twice")
			}
			out[k] = w
		}
	}
	return out
}
