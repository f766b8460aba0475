package statuspage

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed templates/status.html
var pageHTML string

//go:embed templates/status.css
var pageCSS string

var pageTmpl = template.Must(template.New("status").Parse(pageHTML))

// cssHash lets the page's own style through a CSP that allows nothing else.
var cssHash = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// Public serves the pages without login: HTML at /status/{slug}, and the
// same as JSON at /api/v1/public/status/{slug}. Both go through one
// per-address limit.
type Public struct {
	svc   *Service
	limit *limiter
}

// PerMinute is how many page requests one address may make in a minute.
const PerMinute = 60

// NewPublic returns the public pages of svc.
func NewPublic(svc *Service) *Public {
	return &Public{svc: svc, limit: newLimiter(PerMinute, time.Minute, svc.now)}
}

// Register adds the HTML page to mux (the JSON is an API route, in Handlers).
func (p *Public) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /status/{slug}", p.page)
}

// view answers the view of the request's slug, or writes the refusal.
func (p *Public) view(w http.ResponseWriter, r *http.Request) (*View, bool) {
	if ok, wait := p.limit.allow(r); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		response.Error(w, r, &response.StatusError{Status: http.StatusTooManyRequests, Message: "too many requests for status pages from this address: wait and retry"})
		return nil, false
	}
	v, err := p.svc.Public(r.Context(), r.PathValue("slug"))
	if errors.Is(err, storage.ErrNotFound) {
		response.Error(w, r, response.NotFound("no such status page"))
		return nil, false
	}
	if err != nil {
		p.svc.logger.Error("statuspage: page failed", "slug", r.PathValue("slug"), "err", err)
		response.Error(w, r, err)
		return nil, false
	}
	// Public and the same for everyone: a proxy may keep it as long as we do.
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(p.svc.ttl.Seconds())))
	return v, true
}

// json serves the view as JSON.
func (p *Public) json(w http.ResponseWriter, r *http.Request) {
	if v, ok := p.view(w, r); ok {
		response.JSON(w, http.StatusOK, v)
	}
}

// pageData is what the template reads.
type pageData struct {
	V    *View
	Lang string
	CSS  template.CSS
	JSON string
}

func (d pageData) T(key string) string { return t(d.Lang, key) }

// Time shows t in the page's zone.
func (d pageData) Time(at time.Time) string { return at.In(d.V.loc).Format("2006-01-02 15:04 MST") }

// Bar describes a service's bar for screen readers.
func (d pageData) Bar(name string, pct float64) string {
	return fmt.Sprintf(t(d.Lang, "bar"), name, pct)
}

// Level is a day's colour class.
func (d pageData) Level(day report.Day) string {
	switch {
	case day.NoData:
		return "d-none"
	case day.Percent >= 100:
		return "d-full"
	case day.Percent >= 99:
		return "d-minor"
	}
	return "d-major"
}

// page serves the HTML page in the tenant's language, or ?lang=ja|en.
func (p *Public) page(w http.ResponseWriter, r *http.Request) {
	v, ok := p.view(w, r)
	if !ok {
		return
	}
	lang := v.Language
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		lang = l
	}
	d := pageData{V: v, Lang: lang, CSS: template.CSS(pageCSS), JSON: "/api/v1/public/status/" + url.PathEscape(r.PathValue("slug"))}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		p.svc.logger.Error("statuspage: render failed", "err", err)
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+cssHash+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.Write(buf.Bytes())
}
