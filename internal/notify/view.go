package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeLayout is how every channel shows a time: in the message's time zone,
// with the zone's abbreviation, e.g. "2026-11-22 09:15 JST".
const TimeLayout = "2006-01-02 15:04 MST"

// maxSubject keeps subjects to what a mail client or a chat notification
// shows anyway.
const maxSubject = 200

// Tone is the colour a channel gives a message.
type Tone string

// Tones, from most to least alarming.
const (
	ToneCritical Tone = "critical"
	ToneWarning  Tone = "warning"
	ToneInfo     Tone = "info"
	ToneGood     Tone = "good"
)

// Fact is one labelled value, its label already in the message's language.
type Fact struct {
	Label string
	Value string
}

// View is a Message laid out in its language and time zone: every word a
// channel shows comes from here, so all channels say the same thing.
type View struct {
	Language Language
	Tone     Tone
	Subject  string // one line: badge, severity, customer and title
	Title    string
	Summary  string
	Facts    []Fact // status, severity, customer, resource, service, times
	Values   []string
	Labels   []Fact // sorted by name
	Runbooks []Link
	URL      string
	AckURL   string // signed acknowledgement link; empty when none
	Footer   string

	ValuesLabel   string
	LabelsLabel   string
	RunbooksLabel string
	OpenLabel     string // caption of the link to URL
	AckLabel      string // caption of the link to AckURL
}

// Render validates m and lays it out; the error is an *invalid.Error.
func Render(m Message) (View, error) {
	if err := m.Validate(); err != nil {
		return View{}, err
	}
	loc, _ := m.Location() // checked by Validate
	c := catalogFor(m.Language)
	badge := c.badge[m.Kind][m.Status]
	sev := c.severity[m.Severity]
	tenant := oneLine(cmp.Or(m.Tenant.Name, m.Tenant.ID))
	v := View{
		Language:      cmp.Or(m.Language, English),
		Tone:          toneOf(m),
		Subject:       Truncate(fmt.Sprintf(c.subject, badge, sev, tenant, oneLine(m.Title)), maxSubject),
		Title:         m.Title,
		Summary:       m.Summary,
		Values:        m.Values,
		Labels:        sortedLabels(m.Labels),
		Runbooks:      m.Runbooks,
		URL:           m.URL,
		AckURL:        m.AckURL,
		Footer:        c.sentBy + " · " + m.IdempotencyKey,
		ValuesLabel:   c.values,
		LabelsLabel:   c.labels,
		RunbooksLabel: c.runbooks,
		OpenLabel:     c.open,
		AckLabel:      c.ack,
	}
	v.Facts = facts(c, m, badge, sev, tenant, loc)
	return v, nil
}

func facts(c *catalog, m Message, badge, sev, tenant string, loc *time.Location) []Fact {
	fs := []Fact{{c.status, badge}, {c.sev, sev}}
	add := func(label, value string) {
		if value != "" {
			fs = append(fs, Fact{label, value})
		}
	}
	add(c.customer, tenant)
	add(c.resource, m.Resource)
	add(c.service, m.Service)
	add(c.started, FormatTime(m.StartsAt, loc))
	if !m.EndsAt.IsZero() {
		add(c.ended, FormatTime(m.EndsAt, loc))
		add(c.duration, formatDuration(c, m.EndsAt.Sub(m.StartsAt)))
	}
	return fs
}

func toneOf(m Message) Tone {
	switch {
	case m.Status == StatusResolved:
		return ToneGood
	case m.Status == StatusAcknowledged:
		return ToneInfo
	case m.Status == StatusBreach:
		return ToneCritical
	}
	return Tone(m.Severity)
}

// FormatTime shows t in loc with TimeLayout.
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(TimeLayout)
}

// formatDuration shows d to the minute ("1h 5m", "1時間5分"), or to the
// second under a minute, dropping zero parts.
func formatDuration(c *catalog, d time.Duration) string {
	d = max(d, 0)
	if d < time.Minute {
		return fmt.Sprintf(c.durations[3], int(d/time.Second))
	}
	parts := []int{int(d / (24 * time.Hour)), int(d/time.Hour) % 24, int(d/time.Minute) % 60}
	var out []string
	for i, n := range parts {
		if n > 0 {
			out = append(out, fmt.Sprintf(c.durations[i], n))
		}
	}
	return strings.Join(out, c.durationSep)
}

func sortedLabels(labels map[string]string) []Fact {
	fs := make([]Fact, 0, len(labels))
	for k, v := range labels {
		fs = append(fs, Fact{k, v})
	}
	slices.SortFunc(fs, func(a, b Fact) int { return strings.Compare(a.Label, b.Label) })
	return fs
}

// Truncate cuts s to at most n runes, marking the cut with "…", so that
// channels can respect their destination's length limits.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine folds line breaks into spaces, for subjects and headers.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
