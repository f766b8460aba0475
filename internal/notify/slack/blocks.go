package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/notify"
)

// Block Kit limits, from Slack's reference; slacktest enforces the same.
const (
	maxHeader      = 150
	maxSectionText = 3000
	maxField       = 2000
	maxFields      = 10
	maxContextText = 2000
	maxButtonText  = 75
	maxButtonURL   = 3000
	maxFallback    = 3000
)

type payload struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

type text struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type button struct {
	Type  string `json:"type"` // button
	Text  text   `json:"text"`
	URL   string `json:"url"`
	Style string `json:"style,omitempty"`
}

type block struct {
	Type     string `json:"type"`
	Text     *text  `json:"text,omitempty"`
	Fields   []text `json:"fields,omitempty"`
	Elements []any  `json:"elements,omitempty"`
}

var toneEmoji = map[notify.Tone]string{
	notify.ToneCritical: "🔴",
	notify.ToneWarning:  "🟠",
	notify.ToneInfo:     "🔵",
	notify.ToneGood:     "✅",
}

// newPayload lays v out as header, summary, facts, detected values,
// runbooks, labels and footer, and a button into the console. Every piece
// of text is escaped and cut to Slack's limits: an over-long block makes
// Slack refuse the whole message.
func newPayload(v notify.View) payload {
	blocks := []block{{
		Type: "header",
		Text: &text{Type: "plain_text", Text: notify.Truncate(toneEmoji[v.Tone]+" "+v.Subject, maxHeader), Emoji: true},
	}}
	if v.Summary != "" {
		blocks = append(blocks, mrkdwnSection(escape(v.Summary)))
	}
	blocks = append(blocks, factsSection(v.Facts))
	if len(v.Values) > 0 {
		blocks = append(blocks, mrkdwnSection(list(v.ValuesLabel, v.Values, value)))
	}
	if len(v.Runbooks) > 0 {
		blocks = append(blocks, mrkdwnSection(list(v.RunbooksLabel, v.Runbooks, link)))
	}
	blocks = append(blocks, contextBlock(v))
	var buttons []any
	if v.AckURL != "" && len(v.AckURL) <= maxButtonURL {
		// A link button: Slack opens the confirm page, which acknowledges
		// only on its POST, so unfurlers and scanners cannot.
		buttons = append(buttons, button{Type: "button", Text: text{Type: "plain_text", Text: notify.Truncate(v.AckLabel, maxButtonText)},
			URL: v.AckURL, Style: "danger"})
	}
	if v.URL != "" && len(v.URL) <= maxButtonURL {
		buttons = append(buttons, button{
			Type:  "button",
			Text:  text{Type: "plain_text", Text: notify.Truncate(v.OpenLabel, maxButtonText)},
			URL:   v.URL,
			Style: "primary",
		})
	}
	if len(buttons) > 0 {
		blocks = append(blocks, block{Type: "actions", Elements: buttons})
	}
	return payload{Text: notify.Truncate(escape(v.Subject), maxFallback), Blocks: blocks}
}

func mrkdwnSection(s string) block {
	return block{Type: "section", Text: &text{Type: "mrkdwn", Text: truncateMrkdwn(s, maxSectionText)}}
}

func factsSection(facts []notify.Fact) block {
	b := block{Type: "section"}
	for i, f := range facts {
		if i == maxFields {
			break
		}
		s := "*" + escape(f.Label) + "*\n" + escape(f.Value)
		b.Fields = append(b.Fields, text{Type: "mrkdwn", Text: truncateMrkdwn(s, maxField)})
	}
	return b
}

func contextBlock(v notify.View) block {
	var elems []any
	if len(v.Labels) > 0 {
		pairs := make([]string, len(v.Labels))
		for i, l := range v.Labels {
			pairs[i] = "`" + escape(strings.ReplaceAll(l.Label+"="+l.Value, "`", "'")) + "`"
		}
		s := truncateLines(strings.Join(pairs, " "), " ", maxContextText)
		elems = append(elems, text{Type: "mrkdwn", Text: s})
	}
	elems = append(elems, text{Type: "mrkdwn", Text: truncateMrkdwn(escape(v.Footer), maxContextText)})
	return block{Type: "context", Elements: elems}
}

// list renders a bold title and one bullet per item, dropping whole items
// that would overflow a section rather than cutting a link in half.
func list[T any](title string, items []T, render func(T) string) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = "• " + render(it)
	}
	return truncateLines("*"+escape(title)+"*\n"+strings.Join(lines, "\n"), "\n", maxSectionText)
}

// value cuts one detected value so that a single huge one does not crowd
// out the others.
func value(s string) string {
	return escape(notify.Truncate(s, maxSectionText/4))
}

func link(l notify.Link) string {
	url := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(l.URL)
	return "<" + escape(url) + "|" + escape(notify.Truncate(l.Title, 200)) + ">"
}

// escape neutralises the three characters Slack's mrkdwn parses, so alert
// text can neither mention @channel nor forge links.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncateLines keeps whole sep-separated parts of s while the result,
// with a trailing "…", fits n runes.
func truncateLines(s, sep string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	parts := strings.Split(s, sep)
	out := parts[0]
	for _, p := range parts[1:] {
		if runeLen(out+sep+p)+len(sep)+1 > n {
			break
		}
		out += sep + p
	}
	return truncateMrkdwn(out+sep+"…", n)
}

// truncateMrkdwn cuts escaped text to n runes without leaving half an
// entity such as "&am" behind.
func truncateMrkdwn(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	cut := notify.Truncate(s, n)
	body := strings.TrimSuffix(cut, "…")
	if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
		body = body[:i]
	}
	return body + "…"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
