package email

import (
	_ "embed"
	"html/template"
	"strings"

	"github.com/unyo-ops/unyo/internal/notify"
)

// The HTML layout holds no words: labels come from the View, so one
// template serves both languages.
//
//go:embed templates/message.html
var htmlLayout string

var htmlTemplate = template.Must(template.New("message").Funcs(template.FuncMap{
	"toneColor": toneColor,
}).Parse(htmlLayout))

var toneColors = map[notify.Tone]string{
	notify.ToneCritical: "#cf222e",
	notify.ToneWarning:  "#bf8700",
	notify.ToneInfo:     "#0969da",
	notify.ToneGood:     "#1a7f37",
}

func toneColor(t notify.Tone) template.CSS {
	return template.CSS(toneColors[t])
}

// renderHTML lays v out as an HTML page; html/template escapes every value,
// and drops URLs whose scheme is not safe (javascript: and the like).
func renderHTML(v notify.View) (string, error) {
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}
