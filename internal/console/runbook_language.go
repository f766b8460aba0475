package console

import (
	"html/template"
	"regexp"
	"strings"
)

// The built-in runbooks are written in both languages (internal/monitoring/
// builtin/runbooks): a title "<name>: <Japanese> / <English>" (or
// "<Japanese name>: <Japanese> / <English name>: <English>") and a body
// with a "## 日本語" and a "## English" section. A reader sees their own.

var (
	bilingualTitle = regexp.MustCompile(`^(.*: )?(.*[\p{Han}\p{Hiragana}\p{Katakana}].*) / ([^\p{Han}\p{Hiragana}\p{Katakana}]+)$`)
	japaneseIn     = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}]`)
	languageHeads  = regexp.MustCompile(`<h2[^>]*>\s*(日本語|English)\s*</h2>`)
)

// Pick is the reader's half of a two-language title, or the title as it is.
func (l locale) Pick(title string) string {
	if ja, en, ok := strings.Cut(title, " / "); ok && strings.Contains(en, ": ") && japaneseIn.MatchString(ja) && !japaneseIn.MatchString(en) {
		if l.Lang == "en" {
			return en // A whole English title: "<name>: <Japanese> / <English name>: <English>".
		}
		return ja
	}
	m := bilingualTitle.FindStringSubmatch(title)
	if m == nil {
		return title
	}
	if l.Lang == "en" {
		return m[1] + m[3]
	}
	return m[1] + m[2]
}

// pickSection keeps, of a rendered runbook with a 日本語 and an English
// section, what comes before them and the reader's section.
func (l locale) pickSection(body string) template.HTML {
	heads := languageHeads.FindAllStringSubmatchIndex(body, -1)
	if len(heads) != 2 {
		return template.HTML(body) // The store's HTML is sanitised (runbook.Render).
	}
	want := "日本語"
	if l.Lang == "en" {
		want = "English"
	}
	var b strings.Builder
	b.WriteString(body[:heads[0][0]])
	for i, h := range heads {
		if body[h[2]:h[3]] != want {
			continue
		}
		end := len(body)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		b.WriteString(body[h[1]:end])
	}
	return template.HTML(b.String())
}
