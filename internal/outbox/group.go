package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/unyo-ops/unyo/internal/notify"
)

// groupWords is the wording of a grouped message, in both languages.
var groupWords = map[notify.Language]struct{ title, more string }{
	notify.English:  {title: "%d notifications: %s", more: "and %d more"},
	notify.Japanese: {title: "%d 件の通知: %s", more: "ほか %d 件"},
}

// maxListed bounds the lines of a grouped message; the rest are counted.
const maxListed = 20

// combine returns the message of a job: the one notification's, or one
// message listing every notification of a group. A retried group has the
// same parts, so it keeps its idempotency key.
func combine(parts []part, lang notify.Language) notify.Message {
	if len(parts) == 1 {
		m := parts[0].msg
		if parts[0].step != "" {
			// Each escalation step is a new notice to the people of that
			// step, not a retry of the first one.
			m.IdempotencyKey += "#" + parts[0].step
		}
		return m
	}
	w, ok := groupWords[lang]
	if !ok {
		w = groupWords[notify.English]
	}
	first := parts[0].msg
	m := notify.Message{
		Kind: first.Kind, Status: first.Status, Severity: first.Severity, Tenant: first.Tenant,
		Resource: first.Resource, Service: first.Service, StartsAt: first.StartsAt, URL: first.URL,
		Language: first.Language, TimeZone: first.TimeZone,
	}
	keys := make([]string, 0, len(parts))
	var lines []string
	for i, p := range parts {
		keys = append(keys, p.msg.IdempotencyKey)
		if rank(p.msg.Severity) > rank(m.Severity) {
			m.Severity = p.msg.Severity
		}
		if p.msg.StartsAt.Before(m.StartsAt) {
			m.StartsAt = p.msg.StartsAt
		}
		if p.msg.Resource != m.Resource {
			m.Resource = ""
		}
		if p.msg.Service != m.Service {
			m.Service = ""
		}
		if i < maxListed {
			line := "• [" + string(p.msg.Severity) + "] " + p.msg.Title
			if p.msg.Resource != "" {
				line += " (" + p.msg.Resource + ")"
			}
			lines = append(lines, line)
			m.Values = append(m.Values, p.msg.Values...)
		}
	}
	if len(parts) > maxListed {
		lines = append(lines, fmt.Sprintf(w.more, len(parts)-maxListed))
	}
	subject := first.Resource
	if subject == "" || m.Resource == "" {
		subject = first.Title
	}
	m.Title = fmt.Sprintf(w.title, len(parts), subject)
	m.Summary = strings.Join(lines, "\n")
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	m.IdempotencyKey = "group-" + hex.EncodeToString(sum[:16])
	if len(m.Values) > 50 {
		m.Values = m.Values[:50]
	}
	return m
}

func rank(s notify.Severity) int {
	switch s {
	case notify.SeverityCritical:
		return 3
	case notify.SeverityWarning:
		return 2
	}
	return 1
}
