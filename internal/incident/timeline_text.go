package incident

import (
	"encoding/json"
	"strings"

	"github.com/unyo-ops/unyo/internal/alert"
)

// Text is the entry as its reader reads it, in lang ("ja" or "en"): the
// lines the desk writes itself (an alert firing or resolved, an SLA clock
// starting or stopping, a state change, the acknowledgement) are rendered
// from their kind and detail; what a person wrote is given as written.
func (e Entry) Text(lang string) string {
	w := timelineWords["en"]
	if lang == "ja" {
		w = timelineWords["ja"]
	}
	switch e.Kind {
	case EntryAlert:
		var d struct {
			Status string     `json:"status"`
			Linked bool       `json:"linked"`
			Titles alert.Text `json:"titles"`
		}
		_ = json.Unmarshal(e.Detail, &d)
		title := e.Body
		if _, rest, ok := strings.Cut(e.Body, ": "); ok && (strings.HasPrefix(e.Body, "firing: ") || strings.HasPrefix(e.Body, "resolved: ") ||
			strings.HasPrefix(e.Body, "linked: ")) {
			title = rest
		}
		if d.Titles != (alert.Text{}) {
			title = d.Titles.In(lang)
		}
		if d.Linked {
			return w["alert.linked"] + title
		}
		if d.Status == "resolved" {
			return w["alert.resolved"] + title
		}
		return w["alert.firing"] + title
	case EntryOpened:
		var d struct {
			Titles alert.Text `json:"titles"`
		}
		number, _, ok := strings.Cut(e.Body, ": ")
		if !ok || json.Unmarshal(e.Detail, &d) != nil || d.Titles == (alert.Text{}) {
			return e.Body
		}
		return number + ": " + d.Titles.In(lang)
	case EntryClock:
		var d struct {
			Clock string `json:"clock"`
			Event string `json:"event"`
		}
		if json.Unmarshal(e.Detail, &d) != nil || d.Clock == "" {
			return e.Body
		}
		return word(w, "clock."+d.Clock, d.Clock) + w["sep"] + word(w, "event."+d.Event, d.Event)
	case EntryState:
		from, to, ok := strings.Cut(e.Body, " → ")
		if !ok {
			return e.Body
		}
		reason := ""
		if i := strings.Index(to, " ("); i > 0 && strings.HasSuffix(to, ")") {
			to, reason = to[:i], to[i+2:len(to)-1]
		}
		s := word(w, "state."+from, from) + " → " + word(w, "state."+to, to)
		if reason != "" {
			s += w["open"] + word(w, "hold."+reason, reason) + w["close"]
		}
		return s
	case EntryAcknowledged:
		return w["acknowledged"]
	case EntryVendor:
		var d caseDetail
		if json.Unmarshal(e.Detail, &d) != nil || d.Event == "" {
			return e.Body
		}
		return caseText(w, d)
	}
	return e.Body
}

func word(w map[string]string, key, fallback string) string {
	if s, ok := w[key]; ok {
		return s
	}
	return fallback
}

// timelineWords are the words of the desk's own timeline lines.
var timelineWords = map[string]map[string]string{
	"ja": {
		"alert.firing": "アラート発生: ", "alert.resolved": "アラート復旧: ", "alert.linked": "アラートを紐付け: ", "acknowledged": "受付しました",
		"sep": ": ", "open": "（", "close": "）",
		"clock.acknowledge": "受付のSLAクロック", "clock.identify": "原因特定のSLAクロック", "clock.resolve": "解決のSLAクロック",
		"event.start": "開始", "event.pause": "一時停止", "event.resume": "再開", "event.stop": "停止",
		"state.new": "新規", "state.in_progress": "対応中", "state.on_hold": "保留", "state.resolved": "解決済み",
		"state.closed": "クローズ", "state.canceled": "取消",
		"hold.awaiting_caller": "お客様の回答待ち", "hold.awaiting_change": "変更作業待ち", "hold.awaiting_vendor": "ベンダー待ち",
		"hold.awaiting_problem":       "問題管理待ち",
		"vc.opened.waiting_on_vendor": "%[1]sへエスカレーションしました（ケース %[2]s）",
		"vc.opened":                   "%[1]sのケース %[2]s を登録しました（%[3]s）",
		"vc.replied":                  "%[1]sから回答がありました（ケース %[2]s、%[3]s）",
		"vc.status.waiting_on_vendor": "%[1]sの回答待ちです（ケース %[2]s）",
		"vc.status.resolved":          "%[1]sのケース %[2]s が解決しました",
		"vc.status.closed":            "%[1]sのケース %[2]s をクローズしました",
		"vc.status":                   "%[1]sのケース %[2]s: %[3]s",
		"vc.updated":                  "%[1]sのケース %[2]s を更新しました",
		"vc.deleted":                  "%[1]sのケース %[2]s を削除しました",
		"vcs.open":                    "オープン", "vcs.waiting_on_vendor": "ベンダー回答待ち", "vcs.waiting_on_us": "当社対応待ち",
		"vcs.waiting_on_customer": "お客様回答待ち", "vcs.resolved": "解決済み", "vcs.closed": "クローズ",
	},
	"en": {
		"alert.firing": "Alert firing: ", "alert.resolved": "Alert resolved: ", "alert.linked": "Alert linked: ", "acknowledged": "Acknowledged",
		"sep": ": ", "open": " (", "close": ")",
		"clock.acknowledge": "Acknowledge SLA clock", "clock.identify": "Identify-cause SLA clock", "clock.resolve": "Resolve SLA clock",
		"event.start": "started", "event.pause": "paused", "event.resume": "resumed", "event.stop": "stopped",
		"state.new": "New", "state.in_progress": "In progress", "state.on_hold": "On hold", "state.resolved": "Resolved",
		"state.closed": "Closed", "state.canceled": "Canceled",
		"hold.awaiting_caller": "awaiting caller", "hold.awaiting_change": "awaiting change", "hold.awaiting_vendor": "awaiting vendor",
		"hold.awaiting_problem":       "awaiting problem",
		"vc.opened.waiting_on_vendor": "Escalated to %[1]s, case %[2]s",
		"vc.opened":                   "%[1]s case %[2]s recorded (%[3]s)",
		"vc.replied":                  "%[1]s replied, case %[2]s (%[3]s)",
		"vc.status.waiting_on_vendor": "Waiting on %[1]s, case %[2]s",
		"vc.status.resolved":          "%[1]s case %[2]s resolved",
		"vc.status.closed":            "%[1]s case %[2]s closed",
		"vc.status":                   "%[1]s case %[2]s: %[3]s",
		"vc.updated":                  "%[1]s case %[2]s updated",
		"vc.deleted":                  "%[1]s case %[2]s removed",
		"vcs.open":                    "open", "vcs.waiting_on_vendor": "waiting on vendor", "vcs.waiting_on_us": "waiting on us",
		"vcs.waiting_on_customer": "waiting on customer", "vcs.resolved": "resolved", "vcs.closed": "closed",
	},
}
