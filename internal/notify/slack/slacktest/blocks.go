package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits from Slack's Block Kit reference.
const (
	maxBlocks         = 50
	maxBlockID        = 255
	maxHeaderText     = 150
	maxSectionText    = 3000
	maxSectionFields  = 10
	maxFieldText      = 2000
	maxContextElems   = 10
	maxActionElems    = 25
	maxButtonText     = 75
	maxButtonURL      = 3000
	maxTextObjectText = 3000
)

func validateBlocks(blocks []Block) error {
	if len(blocks) > maxBlocks {
		return fmt.Errorf("%d blocks, at most %d", len(blocks), maxBlocks)
	}
	for i := range blocks {
		if err := validateBlock(&blocks[i]); err != nil {
			return fmt.Errorf("blocks[%d] (%s): %w", i, blocks[i].Type, err)
		}
	}
	return nil
}

func validateBlock(b *Block) error {
	if utf8.RuneCountInString(b.BlockID) > maxBlockID {
		return fmt.Errorf("block_id over %d characters", maxBlockID)
	}
	switch b.Type {
	case "header":
		if b.Text == nil || b.Text.Type != "plain_text" {
			return fmt.Errorf("header text must be plain_text")
		}
		return checkText(*b.Text, maxHeaderText)
	case "section":
		return validateSection(b)
	case "context":
		return validateElements(b.Elements, maxContextElems, validateContextElement)
	case "actions":
		return validateElements(b.Elements, maxActionElems, validateButton)
	case "divider":
		return nil
	}
	return fmt.Errorf("unsupported block type %q", b.Type)
}

func validateSection(b *Block) error {
	if b.Text == nil && len(b.Fields) == 0 {
		return fmt.Errorf("section needs text or fields")
	}
	if b.Text != nil {
		if err := checkText(*b.Text, maxSectionText); err != nil {
			return fmt.Errorf("text: %w", err)
		}
	}
	if len(b.Fields) > maxSectionFields {
		return fmt.Errorf("%d fields, at most %d", len(b.Fields), maxSectionFields)
	}
	for i, f := range b.Fields {
		if err := checkText(f, maxFieldText); err != nil {
			return fmt.Errorf("fields[%d]: %w", i, err)
		}
	}
	return nil
}

func validateElements(elems []Element, limit int, check func(*Element) error) error {
	if len(elems) == 0 || len(elems) > limit {
		return fmt.Errorf("%d elements, want 1 to %d", len(elems), limit)
	}
	for i := range elems {
		if err := check(&elems[i]); err != nil {
			return fmt.Errorf("elements[%d]: %w", i, err)
		}
	}
	return nil
}

func validateContextElement(e *Element) error {
	var s string
	if err := json.Unmarshal(e.RawText, &s); err != nil {
		return fmt.Errorf("text must be a string")
	}
	return checkText(Text{Type: e.Type, Text: s}, maxTextObjectText)
}

func validateButton(e *Element) error {
	if e.Type != "button" {
		return fmt.Errorf("unsupported element type %q", e.Type)
	}
	var caption Text
	if err := json.Unmarshal(e.RawText, &caption); err != nil || caption.Type != "plain_text" {
		return fmt.Errorf("button text must be a plain_text object")
	}
	e.Caption = &caption
	if err := checkText(caption, maxButtonText); err != nil {
		return fmt.Errorf("button text: %w", err)
	}
	if n := len(e.URL); n > maxButtonURL {
		return fmt.Errorf("button url of %d characters, at most %d", n, maxButtonURL)
	}
	if e.Style != "" && e.Style != "primary" && e.Style != "danger" {
		return fmt.Errorf("button style %q", e.Style)
	}
	if len(e.ActionID) > maxBlockID {
		return fmt.Errorf("action_id over %d characters", maxBlockID)
	}
	return nil
}

func checkText(t Text, limit int) error {
	if t.Type != "plain_text" && t.Type != "mrkdwn" {
		return fmt.Errorf("text type %q", t.Type)
	}
	n := utf8.RuneCountInString(t.Text)
	if n == 0 || n > limit {
		return fmt.Errorf("text of %d characters, want 1 to %d", n, limit)
	}
	return nil
}
