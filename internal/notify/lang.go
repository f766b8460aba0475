package notify

// The words of every rendered message, in both languages, live in this one
// file so that a translator reviews a single table and the channels never
// hold text of their own.

type catalog struct {
	badge       map[Kind]map[Status]string
	severity    map[Severity]string
	status      string
	sev         string
	customer    string
	resource    string
	service     string
	started     string
	ended       string
	duration    string
	values      string
	labels      string
	runbooks    string
	open        string
	ack         string
	sentBy      string
	subject     string    // format: badge, severity, tenant, title
	durations   [4]string // days, hours, minutes, seconds
	durationSep string
}

var catalogs = map[Language]*catalog{
	English: {
		badge: map[Kind]map[Status]string{
			KindAlert: {
				StatusFiring:       "FIRING",
				StatusAcknowledged: "ACKNOWLEDGED",
				StatusResolved:     "RESOLVED",
			},
			KindIncident: {
				StatusFiring:       "INCIDENT OPENED",
				StatusAcknowledged: "INCIDENT ACKNOWLEDGED",
				StatusResolved:     "INCIDENT RESOLVED",
			},
			KindSLA: {
				StatusWarning: "SLA WARNING",
				StatusBreach:  "SLA BREACH",
			},
		},
		severity: map[Severity]string{
			SeverityCritical: "critical",
			SeverityWarning:  "warning",
			SeverityInfo:     "info",
		},
		status:      "Status",
		sev:         "Severity",
		customer:    "Customer",
		resource:    "Resource",
		service:     "Service",
		started:     "Started",
		ended:       "Ended",
		duration:    "Duration",
		values:      "Detected",
		labels:      "Labels",
		runbooks:    "Runbooks",
		open:        "Open in unyo",
		ack:         "Acknowledge",
		sentBy:      "Sent by unyo",
		subject:     "[%s · %s] %s — %s",
		durations:   [4]string{"%dd", "%dh", "%dm", "%ds"},
		durationSep: " ",
	},
	Japanese: {
		badge: map[Kind]map[Status]string{
			KindAlert: {
				StatusFiring:       "発生",
				StatusAcknowledged: "確認済",
				StatusResolved:     "復旧",
			},
			KindIncident: {
				StatusFiring:       "インシデント起票",
				StatusAcknowledged: "インシデント受付",
				StatusResolved:     "インシデント解決",
			},
			KindSLA: {
				StatusWarning: "SLA警告",
				StatusBreach:  "SLA違反",
			},
		},
		severity: map[Severity]string{
			SeverityCritical: "重大",
			SeverityWarning:  "警告",
			SeverityInfo:     "情報",
		},
		status:      "状態",
		sev:         "重要度",
		customer:    "顧客",
		resource:    "対象",
		service:     "サービス",
		started:     "発生日時",
		ended:       "終了日時",
		duration:    "継続時間",
		values:      "検知内容",
		labels:      "ラベル",
		runbooks:    "運用手順書",
		open:        "unyoで開く",
		ack:         "確認済みにする",
		sentBy:      "unyoより送信",
		subject:     "【%s・%s】%s — %s",
		durations:   [4]string{"%d日", "%d時間", "%d分", "%d秒"},
		durationSep: "",
	},
}

func catalogFor(l Language) *catalog {
	if c, ok := catalogs[l]; ok {
		return c
	}
	return catalogs[English]
}
