// Package statuspage is a tenant's public status page (as Statuspage or
// Uptime Kuma show one): off until the tenant's settings enable it, served
// without login at /status/{slug} and as JSON, with each service's state and
// its last 90 days of availability, and the notices MSP staff publish for
// open incidents — a public title and public updates, nothing of the
// incident's own record. Pages are cached and their readers rate-limited.
package statuspage

import (
	"regexp"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Page is a tenant's status page settings.
type Page struct {
	Tenant    string    `json:"tenant"`
	Enabled   bool      `json:"enabled"`
	Slug      string    `json:"slug"`  // the public path: /status/{slug}
	Title     string    `json:"title"` // shown as the heading; empty: the tenant's name
	UpdatedAt time.Time `json:"updated_at"`
}

// slugRE is what a slug may be: it is a path segment anyone may read.
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,62}$`)

// Validate normalises and checks p as SavePage does.
func (p *Page) Validate() error { return p.validate() }

// validate normalises and checks p.
func (p *Page) validate() error {
	p.Slug, p.Title = strings.TrimSpace(p.Slug), strings.TrimSpace(p.Title)
	if !slugRE.MatchString(p.Slug) {
		return invalid.New("slug", "must be 3-63 lower-case letters, digits or -, starting with a letter or digit")
	}
	if len(p.Title) > 200 {
		return invalid.New("title", "must be at most 200 characters")
	}
	return nil
}

// Notice is what the status page says of one open incident: a title
// written for the public and its updates, newest last.
type Notice struct {
	ID         int64     `json:"id"`
	Tenant     string    `json:"tenant"`
	IncidentID int64     `json:"incident_id"`
	ServiceID  int64     `json:"service_id,omitempty"` // the incident's service, 0 for none
	Title      string    `json:"title"`
	Open       bool      `json:"open"` // the incident is still open
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Updates    []Update  `json:"updates"`
}

// Update is one public update of a notice.
type Update struct {
	Body      string    `json:"body"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Publication is what MSP staff post on an incident: the public title (to
// set or change it) and an update's text; at least one of them.
type Publication struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (p *Publication) validate(first bool) error {
	p.Title, p.Body = strings.TrimSpace(p.Title), strings.TrimSpace(p.Body)
	switch {
	case first && p.Title == "":
		return invalid.New("title", "is required for the incident's first notice: write it for the public")
	case len(p.Title) > 200:
		return invalid.New("title", "must be at most 200 characters")
	case len(p.Body) > 4000:
		return invalid.New("body", "must be at most 4000 characters")
	case p.Title == "" && p.Body == "":
		return invalid.New("body", "is required: a title, an update or both")
	}
	return nil
}
