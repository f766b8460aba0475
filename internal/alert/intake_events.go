package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// genericEvent is the generic intake's JSON: one event, or {"events": [...]}.
type genericEvent struct {
	Fingerprint string            `json:"fingerprint"`
	Labels      map[string]string `json:"labels"`
	Name        string            `json:"name"`
	Severity    string            `json:"severity"`
	Status      string            `json:"status"`
	Summary     string            `json:"summary"`
	Resource    string            `json:"resource"`
	RunbookURL  string            `json:"runbook_url"`
	StartsAt    string            `json:"starts_at"`
}

// DecodeEvents reads the generic intake's body: one event object.
func DecodeEvents(body []byte) ([]Signal, error) {
	var ev genericEvent
	if err := decodeJSON(body, &ev); err != nil {
		return nil, err
	}
	s := Signal{Source: SourceGeneric, Fingerprint: ev.Fingerprint, Labels: ev.Labels, Name: ev.Name,
		Summary: ev.Summary, Resource: ev.Resource, RunbookURL: ev.RunbookURL}
	if s.Fingerprint == "" && len(s.Labels) == 0 {
		return nil, invalid.New("fingerprint", "or labels is required: they identify the alert across events")
	}
	if len(s.Fingerprint) > 256 {
		return nil, invalid.New("fingerprint", "is longer than 256 bytes")
	}
	if s.Fingerprint == "" {
		s.Fingerprint = labelFingerprint(s.Labels)
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	switch ev.Status {
	case "firing", "":
		s.Status = StateFiring
	case "resolved":
		s.Status = StateResolved
	default:
		return nil, invalid.New("status", "must be firing or resolved, not %q", ev.Status)
	}
	sev, err := parseSeverity("severity", ev.Severity)
	if err != nil {
		return nil, err
	}
	s.Severity = sev
	if s.Name == "" {
		s.Name = first(s.Labels["alertname"], s.Summary, s.Fingerprint)
	}
	if s.Resource == "" {
		s.Resource = first(s.Labels["host"], s.Labels["resource"], hostOf(s.Labels["instance"]))
	}
	if ev.StartsAt != "" {
		if s.StartsAt, err = time.Parse(time.RFC3339Nano, ev.StartsAt); err != nil {
			return nil, invalid.New("starts_at", "must be an RFC 3339 time, not %q", ev.StartsAt)
		}
	}
	return []Signal{s}, nil
}

// decodeJSON reads one JSON object into v and names the field at fault.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		if _, err := dec.Token(); err != io.EOF {
			return invalid.New("body", "must hold one JSON object")
		}
		return nil
	case errors.Is(err, io.EOF):
		return invalid.New("body", "is empty: a JSON object is required")
	case errors.As(err, &se):
		return invalid.New("body", "is not valid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te) && te.Field != "":
		return invalid.New(te.Field, "must be a %s, not %s", te.Type.Kind(), te.Value)
	case errors.As(err, &te):
		return invalid.New("body", "must be a JSON object, not %s", te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid.New("body", "ends before the JSON object does")
	}
	return invalid.New("body", "%s", strings.TrimPrefix(err.Error(), "json: "))
}
