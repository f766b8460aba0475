package notify

import "strings"

// Text renders v as plain text, for email bodies and chat fallbacks.
func (v View) Text() string {
	var b strings.Builder
	b.WriteString(v.Subject + "\n")
	if v.Summary != "" {
		b.WriteString("\n" + v.Summary + "\n")
	}
	b.WriteString("\n")
	for _, f := range v.Facts {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	section(&b, v.ValuesLabel, len(v.Values), func(i int) string { return "- " + v.Values[i] })
	section(&b, v.LabelsLabel, len(v.Labels), func(i int) string { return v.Labels[i].Label + "=" + v.Labels[i].Value })
	section(&b, v.RunbooksLabel, len(v.Runbooks), func(i int) string { return "- " + v.Runbooks[i].Title + ": " + v.Runbooks[i].URL })
	if v.AckURL != "" {
		b.WriteString("\n" + v.AckLabel + ": " + v.AckURL + "\n")
	}
	if v.URL != "" {
		b.WriteString("\n" + v.OpenLabel + ": " + v.URL + "\n")
	}
	// "-- " is the signature separator mail clients recognise and fold away.
	b.WriteString("\n-- \n" + v.Footer + "\n")
	return b.String()
}

func section(b *strings.Builder, title string, n int, line func(int) string) {
	if n == 0 {
		return
	}
	b.WriteString("\n" + title + ":\n")
	for i := range n {
		b.WriteString("  " + line(i) + "\n")
	}
}
