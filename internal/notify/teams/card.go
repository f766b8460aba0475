package teams

import (
	"strings"

	"github.com/unyo-ops/unyo/internal/notify"
)

// Card constants from the Workflows "post card" contract and the Adaptive
// Card version Teams renders everywhere (desktop, web, mobile).
const (
	cardContentType = "application/vnd.microsoft.card.adaptive"
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion     = "1.4"
)

// Limits that keep the card well under Teams' 28 KB message size.
const (
	maxSummary     = 4000
	maxValue       = 1000
	maxLabels      = 2000
	maxActions     = 6 // Teams shows no more buttons than this
	maxActionTitle = 60
)

type message struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"` // always null, but present
	Content     card    `json:"content"`
}

type card struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []element      `json:"body"`
	Actions []action       `json:"actions,omitempty"`
	MSTeams map[string]any `json:"msteams,omitempty"`
}

type element struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	Wrap     bool      `json:"wrap,omitempty"`
	Weight   string    `json:"weight,omitempty"`
	Size     string    `json:"size,omitempty"`
	Color    string    `json:"color,omitempty"`
	IsSubtle bool      `json:"isSubtle,omitempty"`
	Spacing  string    `json:"spacing,omitempty"`
	Style    string    `json:"style,omitempty"`
	Bleed    bool      `json:"bleed,omitempty"`
	Items    []element `json:"items,omitempty"`
	Facts    []fact    `json:"facts,omitempty"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// toneStyle maps a tone to a Container style and a TextBlock colour.
var toneStyle = map[notify.Tone][2]string{
	notify.ToneCritical: {"attention", "Attention"},
	notify.ToneWarning:  {"warning", "Warning"},
	notify.ToneInfo:     {"accent", "Accent"},
	notify.ToneGood:     {"good", "Good"},
}

func newMessage(v notify.View) message {
	return message{Type: "message", Attachments: []attachment{{
		ContentType: cardContentType,
		Content:     newCard(v),
	}}}
}

// newCard lays v out as a coloured title band, summary, facts, detected
// values, labels and footer, with the console and runbooks as buttons.
func newCard(v notify.View) card {
	style := toneStyle[v.Tone]
	body := []element{{
		Type: "Container", Style: style[0], Bleed: true,
		Items: []element{textBlock(v.Subject, func(e *element) { e.Weight, e.Size, e.Color = "Bolder", "Medium", style[1] })},
	}}
	if v.Summary != "" {
		body = append(body, textBlock(notify.Truncate(v.Summary, maxSummary), nil))
	}
	body = append(body, factSet(v.Facts))
	if len(v.Values) > 0 {
		body = append(body, textBlock(v.ValuesLabel, bold), textBlock(bullets(v.Values), nil))
	}
	actions, rest := newActions(v)
	if len(rest) > 0 {
		body = append(body, textBlock(v.RunbooksLabel, bold), textBlock(linkLines(rest), nil))
	}
	if len(v.Labels) > 0 {
		body = append(body, textBlock(notify.Truncate(labelLine(v.Labels), maxLabels), subtle))
	}
	body = append(body, textBlock(v.Footer, subtle))
	return card{
		Schema: cardSchema, Type: "AdaptiveCard", Version: cardVersion,
		Body: body, Actions: actions,
		MSTeams: map[string]any{"width": "Full"},
	}
}

// newActions returns the console button and as many runbook buttons as fit,
// and the runbooks left over.
func newActions(v notify.View) ([]action, []notify.Link) {
	var actions []action
	if v.AckURL != "" {
		actions = append(actions, action{Type: "Action.OpenUrl", Title: v.AckLabel, URL: v.AckURL})
	}
	if v.URL != "" {
		actions = append(actions, action{Type: "Action.OpenUrl", Title: v.OpenLabel, URL: v.URL})
	}
	rest := v.Runbooks
	for len(rest) > 0 && len(actions) < maxActions {
		title := notify.Truncate(oneLine(rest[0].Title), maxActionTitle)
		actions = append(actions, action{Type: "Action.OpenUrl", Title: title, URL: rest[0].URL})
		rest = rest[1:]
	}
	return actions, rest
}

func textBlock(s string, opt func(*element)) element {
	e := element{Type: "TextBlock", Text: plain(s), Wrap: true}
	if opt != nil {
		opt(&e)
	}
	return e
}

func bold(e *element)   { e.Weight, e.Spacing = "Bolder", "Medium" }
func subtle(e *element) { e.Size, e.IsSubtle, e.Spacing = "Small", true, "Medium" }

func factSet(facts []notify.Fact) element {
	fs := make([]fact, len(facts))
	for i, f := range facts {
		fs[i] = fact{Title: f.Label, Value: plain(f.Value)}
	}
	return element{Type: "FactSet", Facts: fs}
}

// bullets uses the list syntax TextBlock understands: "- " items, one per line.
func bullets(items []string) string {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = "- " + oneLine(notify.Truncate(it, maxValue))
	}
	return strings.Join(lines, "\n")
}

func linkLines(links []notify.Link) string {
	lines := make([]string, len(links))
	for i, l := range links {
		lines[i] = "- " + oneLine(l.Title) + ": " + l.URL
	}
	return strings.Join(lines, "\n")
}

func labelLine(labels []notify.Fact) string {
	pairs := make([]string, len(labels))
	for i, l := range labels {
		pairs[i] = l.Label + "=" + l.Value
	}
	return strings.Join(pairs, " · ")
}

// plain keeps alert text from forming Markdown links, which TextBlock
// renders: "[x](https://evil)" must not become a clickable "x".
func plain(s string) string {
	return strings.ReplaceAll(s, "](", "] (")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
