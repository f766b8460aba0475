// Package channel keeps each tenant's notification channels (Slack, Teams,
// email, signed webhook) and contacts, with the secret parts of every
// configuration sealed by internal/secret, and builds the notify.Channel
// that delivers to one of them.
package channel

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/email"
	"github.com/unyo-ops/unyo/internal/notify/slack"
	"github.com/unyo-ops/unyo/internal/notify/teams"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// Types of channel.
const (
	TypeSlack   = "slack"
	TypeTeams   = "teams"
	TypeEmail   = "email"
	TypeWebhook = "webhook"
)

// redacted stands for a secret that is set but never shown.
const redacted = "…"

// decodeConfig reads raw as the configuration of typ, refusing unknown
// fields, and validates it. Errors name the field below "config".
func decodeConfig(typ string, raw json.RawMessage) (any, error) {
	var cfg any
	switch typ {
	case TypeSlack:
		cfg = &slack.Config{}
	case TypeTeams:
		cfg = &teams.Config{}
	case TypeEmail:
		cfg = &email.Config{}
	case TypeWebhook:
		cfg = &webhook.Config{}
	default:
		return nil, invalid.New("type", "must be slack, teams, email or webhook, not %q", typ)
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, invalid.New("config", "is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return nil, invalid.Prefix("config", jsonError(err))
	}
	return deref(cfg), nil
}

func deref(cfg any) any {
	switch c := cfg.(type) {
	case *slack.Config:
		return *c
	case *teams.Config:
		return *c
	case *email.Config:
		return *c
	case *webhook.Config:
		return *c
	}
	return cfg
}

// validate checks cfg with its channel's own rules, naming the field.
func validate(cfg any) error {
	var err error
	switch c := cfg.(type) {
	case slack.Config:
		err = c.Validate()
	case teams.Config:
		err = c.Validate()
	case email.Config:
		err = c.Validate()
	case webhook.Config:
		err = c.Validate()
	}
	return invalid.Prefix("config", err)
}

// redact returns what the API may show of cfg: webhook URLs by scheme and
// host only, and "…" for every other secret that is set.
func redact(cfg any) map[string]any {
	mark := func(s string) string {
		if s == "" {
			return ""
		}
		return redacted
	}
	switch c := cfg.(type) {
	case slack.Config:
		return map[string]any{"webhook_url": notify.RedactURL(c.WebhookURL)}
	case teams.Config:
		return map[string]any{"webhook_url": notify.RedactURL(c.WebhookURL)}
	case email.Config:
		return map[string]any{"host": c.Host, "port": c.Port, "tls": c.TLS, "auth": c.Auth,
			"username": c.Username, "password": mark(c.Password), "from": c.From, "to": c.To}
	case webhook.Config:
		headers := map[string]string{}
		for k, v := range c.Headers {
			headers[k] = mark(v)
		}
		return map[string]any{"url": notify.RedactURL(c.URL), "secret": mark(c.Secret), "headers": headers}
	}
	return map[string]any{}
}

// Builder makes the notify.Channel of a configuration. Every channel
// connects through Outbound's dialer; the zero Builder uses the default
// outbound policy (internal addresses refused), a 10 s time-out and the
// system TLS roots.
type Builder struct {
	Outbound *outbound.Policy // the server's --outbound-allow policy
	TLS      *tls.Config      // for SMTP; tests trust their own server with it
}

// Build returns the channel of cfg, one of the four Config types.
func (b Builder) Build(cfg any) (notify.Channel, error) {
	switch c := cfg.(type) {
	case slack.Config:
		return slack.New(c, b.Outbound.Client(notify.DefaultHTTPTimeout))
	case teams.Config:
		return teams.New(c, b.Outbound.Client(notify.DefaultHTTPTimeout))
	case email.Config:
		return email.New(c, b.TLS, b.Outbound)
	case webhook.Config:
		return webhook.New(c, b.Outbound.Client(notify.DefaultHTTPTimeout))
	}
	return nil, fmt.Errorf("channel: no channel for %T", cfg)
}

// jsonError turns a decoding error into an *invalid.Error naming the field.
func jsonError(err error) error {
	var (
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return invalid.New("body", "is empty: a JSON object is required")
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &se):
		return invalid.New("body", "is not valid JSON at byte %d", se.Offset)
	case errors.As(err, &te) && te.Field != "":
		return invalid.New(te.Field, "must be a %s, not %s", te.Type.Kind(), te.Value)
	case errors.As(err, &te):
		return invalid.New("", "must be a %s, not %s", te.Type.Kind(), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid.New(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	}
	return invalid.New("body", "%v", err)
}

// Shown is what the API shows of the configuration raw of a channel of
// typ (secrets redacted): what a design compares with a stored channel's
// Config. It refuses raw as Create would.
func Shown(typ string, raw json.RawMessage) (map[string]any, error) {
	cfg, err := decodeConfig(typ, raw)
	if err != nil {
		return nil, err
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	return redact(cfg), nil
}

// SameConfig reports whether raw, secrets included, is the configuration
// c holds: a design whose secret changed plans an update though the
// redacted configs are equal.
func (c *Channel) SameConfig(raw json.RawMessage) bool {
	cfg, err := decodeConfig(c.Type, raw)
	if err != nil {
		return false
	}
	a, _ := json.Marshal(cfg)
	b, _ := json.Marshal(c.cfg)
	return bytes.Equal(a, b)
}
