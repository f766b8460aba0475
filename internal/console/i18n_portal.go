package console

// portalCatalog holds the words of the customer portal: what a customer's
// viewer or requester sees in place of the MSP's cross-customer words.
var portalCatalog = map[string][2]string{ // key: {ja, en}
	"ptl.board_title":  {"%s の稼働状況", "Status of %s"},
	"ptl.nav.services": {"ご契約サービス", "Your services"},
	"ptl.nav.status":   {"稼働状況", "Status"},
	"ptl.lead":         {"ご契約サービスの状態、対応中のインシデント、ご承認待ちの項目です。", "Your services, the incidents being worked on, and what awaits your approval."},
	"ptl.comment_add":  {"コメントを送信", "Send the comment"},
	"ptl.comment_text": {"コメント（担当者に届きます）", "Comment (the MSP's staff read it)"},
	"ptl.todo":         {"ご承認待ち", "Awaiting your approval"},
	"ptl.todo_none":    {"ご承認待ちの項目はありません。", "Nothing awaits your approval."},
	"ptl.todo_change":  {"変更", "Change"},
	"ptl.todo_request": {"リクエスト", "Request"},
	"stp.enabled":      {"公開ステータスページを公開する", "Publish the public status page"},
	"stp.incident":     {"インシデント", "Incident"},
	"stp.lead":         {"ログインなしで誰でも見られるページです。サービスの状態と過去90日の稼働率、ここで公開したお知らせだけを表示します。", "Anyone can read this page without logging in. It shows the services' state, 90 days of availability and the notices published here, nothing else."},
	"stp.link":         {"公開ステータスページ", "Public status page"},
	"stp.notice_body":  {"公開する更新内容", "Public update"},
	"stp.notice_title": {"公開用の件名（初回は必須）", "Public title (required the first time)"},
	"stp.notices":      {"公開中のお知らせ", "Published notices"},
	"stp.notices_none": {"公開中のお知らせはありません。", "No notices published."},
	"stp.off":          {"非公開です（/status/… は 404 を返します）。", "Not published (/status/… answers 404)."},
	"stp.page_title":   {"ページの見出し（空ならお客様名）", "Heading (empty: the customer's name)"},
	"stp.public_at":    {"公開中:", "Published at"},
	"stp.publish":      {"公開する", "Publish"},
	"stp.save":         {"保存", "Save"},
	"stp.slug":         {"URL の名前（英小文字・数字・-）", "Name in the URL (a-z, 0-9, -)"},
	"stp.title":        {"%s の公開ステータスページ", "Public status page of %s"},
}
