package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/session"
)

//go:embed templates
var templateFS embed.FS

// views are the parsed pages, each the layout plus its own template.
type views struct {
	pages map[string]*template.Template
}

func parseViews(static *staticFiles) (*views, error) {
	funcs := template.FuncMap{
		"static":     static.URL,
		"csrfField":  func() string { return session.CSRFField },
		"chart":      drawChart,
		"severities": func() []string { return severities },
		"pair":       func(a, b any) pairOf { return pairOf{a, b} },
		"list":       func(s ...string) []string { return s },
		"dur":        formatDuration,
		"period":     reportPeriod,
		"inc":        func(i int) int { return i + 1 },
		"dec":        func(i int) int { return i - 1 },
		"deref":      func(f *float64) float64 { return *f },
		"loadMark":   loadMark,
		"loadField":  loadField,
		"span":       func(d time.Duration) string { return formatDuration(model.Duration(d)) },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// page is what every template receives.
type page struct {
	L      locale
	User   *model.User
	P      *auth.Principal
	CSRF   string
	Nav    []NavLink
	Active string // the Key of the current navigation entry
	Title  string
	Path   string // where the preferences form returns to
	Notice string // a success message
	Error  string // why the input was refused
	Data   any
	// Wall is the board's wall mode: no header or navigation, large type.
	Wall bool
	// Drift marks the objects changed by hand since their tenant's design
	// was last applied (nil: no badges).
	Drift *drift
}

// render writes a page in full or not at all: it is executed into a buffer
// first, so a template error gives a clean 500 instead of half a page.
func (c *Console) render(w http.ResponseWriter, status int, name string, p *page) {
	t, ok := c.views.pages[name]
	if !ok {
		c.logger.Error("console: no such template", "template", name)
		http.Error(w, "template missing", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.logger.Error("console: render failed", "template", name, "err", err)
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pairOf carries two values into a shared template ("clocks" takes the page and a list).
type pairOf struct{ A, B any }
