package report

import (
	_ "embed"
	"html/template"

	"github.com/unyo-ops/unyo/internal/chart"
)

// Chart size in the HTML and the PDF, in points: the width of A4 between
// its margins, so both show the same picture.
const (
	chartW = 515
	chartH = 170
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	// The SVG is our own renderer's output, which escapes every text it draws.
	"svg": func(c *chart.Chart) template.HTML { return template.HTML(chart.SVG(c, chartW, chartH)) },
}).Parse(htmlSource))

// HTML renders r as a standalone HTML page.
func HTML(r *Report) ([]byte, error) {
	return RenderHTML(Layout(r))
}
