package incident

import (
	"encoding/json"

	"github.com/unyo-ops/unyo/internal/alert"
)

// An alert's title in both languages is kept beside the one copied in the
// tenant's language (short_description, incident_alerts.title, timeline
// bodies), so that every reader sees theirs; rows of before, and incidents
// a person opened, have none and show what was copied.

// titlesJSON is t as stored, "" for none.
func titlesJSON(t alert.Text) string {
	if t == (alert.Text{}) {
		return ""
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// parseTitles reads what titlesJSON wrote; anything else is none.
func parseTitles(s string) alert.Text {
	var t alert.Text
	if s != "" && json.Unmarshal([]byte(s), &t) != nil {
		return alert.Text{}
	}
	return t
}

// openedDetail is the detail of inc's opening entry: the titles its alert
// gave it, nil for none.
func openedDetail(inc *Incident) any {
	if inc.Titles == (alert.Text{}) {
		return nil
	}
	return map[string]any{"titles": inc.Titles}
}
