package teamstest

import (
	"fmt"
	"net/url"
	"slices"
)

const (
	cardContentType = "application/vnd.microsoft.card.adaptive"
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
)

// versions Teams renders; a newer card shows as "unsupported" there.
var versions = []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}

var elementTypes = []string{"TextBlock", "FactSet", "Container", "ColumnSet", "Image", "RichTextBlock", "ActionSet"}

var containerStyles = []string{"", "default", "emphasis", "good", "attention", "warning", "accent"}

var colors = []string{"", "Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"}

func validateMessage(m Message) error {
	if m.Type != "message" {
		return fmt.Errorf(`type %q, want "message"`, m.Type)
	}
	if len(m.Attachments) == 0 {
		return fmt.Errorf("no attachments")
	}
	for i, a := range m.Attachments {
		if err := validateAttachment(a); err != nil {
			return fmt.Errorf("attachments[%d]: %w", i, err)
		}
	}
	return nil
}

func validateAttachment(a Attachment) error {
	if a.ContentType != cardContentType {
		return fmt.Errorf("contentType %q, want %q", a.ContentType, cardContentType)
	}
	if a.ContentURL != nil && string(*a.ContentURL) != "null" {
		return fmt.Errorf("contentUrl must be null for an inline card")
	}
	c := a.Content
	if c.Type != "AdaptiveCard" {
		return fmt.Errorf(`content.type %q, want "AdaptiveCard"`, c.Type)
	}
	if c.Schema != cardSchema {
		return fmt.Errorf("content.$schema %q", c.Schema)
	}
	if !slices.Contains(versions, c.Version) {
		return fmt.Errorf("content.version %q, Teams renders 1.0 to 1.5", c.Version)
	}
	if len(c.Body) == 0 {
		return fmt.Errorf("content.body is empty")
	}
	if err := validateElements(c.Body); err != nil {
		return fmt.Errorf("content.body%w", err)
	}
	for i, act := range c.Actions {
		if err := validateAction(act); err != nil {
			return fmt.Errorf("content.actions[%d]: %w", i, err)
		}
	}
	return nil
}

// validateElements returns errors that start with the failing index, so
// the caller can put its own path in front.
func validateElements(elems []Element) error {
	for i, e := range elems {
		if err := validateElement(e); err != nil {
			return fmt.Errorf("[%d] (%s): %w", i, e.Type, err)
		}
	}
	return nil
}

func validateElement(e Element) error {
	if !slices.Contains(elementTypes, e.Type) {
		return fmt.Errorf("unknown element type")
	}
	if !slices.Contains(colors, e.Color) {
		return fmt.Errorf("color %q", e.Color)
	}
	switch e.Type {
	case "TextBlock":
		if e.Text == nil || *e.Text == "" {
			return fmt.Errorf("TextBlock needs text")
		}
	case "FactSet":
		if len(e.Facts) == 0 {
			return fmt.Errorf("FactSet needs facts")
		}
	case "Container":
		if !slices.Contains(containerStyles, e.Style) {
			return fmt.Errorf("style %q", e.Style)
		}
		if err := validateElements(e.Items); err != nil {
			return fmt.Errorf("items%w", err)
		}
	}
	return nil
}

func validateAction(a Action) error {
	if a.Type != "Action.OpenUrl" {
		// Submit and Execute need a bot to receive them; a workflow card has none.
		return fmt.Errorf("action type %q cannot work in a workflow card", a.Type)
	}
	if a.Title == "" {
		return fmt.Errorf("Action.OpenUrl needs a title")
	}
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("Action.OpenUrl needs an absolute http(s) url")
	}
	return nil
}
