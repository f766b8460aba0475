// Package runbook keeps runbooks, Markdown documents of how to handle a
// situation, per tenant and global (shared by every tenant), rendered to safe
// HTML; and the daily operator checklists with their completion records.
// Monitoring items name a runbook by its ID (runbook_id).
package runbook

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Runbook is one document. TenantID "" is a global runbook.
type Runbook struct {
	ID        int64     `json:"id"`
	TenantID  string    `json:"tenant,omitempty"`
	Global    bool      `json:"global"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`           // Markdown
	HTML      string    `json:"html,omitempty"` // rendered, on reads of one runbook
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports the first field that is not acceptable.
func (r *Runbook) Validate() error {
	if strings.TrimSpace(r.Title) == "" {
		return invalid.New("title", "is required")
	}
	if !utf8.ValidString(r.Title) || utf8.RuneCountInString(r.Title) > 200 {
		return invalid.New("title", "must be valid text of at most 200 characters")
	}
	if !utf8.ValidString(r.Body) {
		return invalid.New("body", "is not valid UTF-8")
	}
	if len(r.Body) > 256<<10 {
		return invalid.New("body", "is longer than 256 KiB")
	}
	return nil
}

// markdown renders CommonMark with tables and task lists. Raw HTML is left
// out (goldmark's default without WithUnsafe), and links with a dangerous
// scheme such as javascript: are dropped: a runbook is written by one
// operator and read by all, so it must not be able to run script.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList, extension.Linkify))

// Render returns the safe HTML of a Markdown body.
func Render(body string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(body), &buf); err != nil {
		return "", fmt.Errorf("runbook: cannot render: %w", err)
	}
	return buf.String(), nil
}
