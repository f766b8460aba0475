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
}
