// Package teams delivers notifications to Microsoft Teams through a
// Workflows (Power Automate) webhook, as an Adaptive Card.
package teams

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
)

var _ notify.Channel = (*Channel)(nil)

// Config is a Teams channel's configuration.
type Config struct {
	// WebhookURL is the "When a Teams webhook request is received" trigger
	// URL of a Workflow; its sig parameter is a secret.
	WebhookURL string `json:"webhook_url" yaml:"webhook_url"`
}

// Validate returns an *invalid.Error for a configuration that cannot work.
func (c Config) Validate() error {
	if err := notify.ValidateWebhookURL(c.WebhookURL); err != nil {
		return invalid.Prefix("webhook_url", err)
	}
	// Office 365 connector URLs look like webhooks but Microsoft retired
	// them; say so now rather than fail at the first alert.
	if u, _ := url.Parse(c.WebhookURL); strings.HasSuffix(u.Hostname(), ".webhook.office.com") {
		return invalid.New("webhook_url", "is an Office 365 connector URL, which Teams no longer accepts; create a Workflows webhook instead")
	}
	return nil
}

// LogValue keeps the webhook's signature out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("webhook_url", notify.RedactURL(c.WebhookURL)))
}

// String keeps the webhook's signature out of formatted output.
func (c Config) String() string {
	return "teams.Config{webhook_url: " + notify.RedactURL(c.WebhookURL) + "}"
}

// GoString keeps the webhook's signature out of %#v.
func (c Config) GoString() string { return c.String() }

// Channel posts Adaptive Cards to one Workflows webhook.
type Channel struct {
	url    string
	client *http.Client
}

// New returns a Channel for cfg. client may be nil; redirects are never
// followed whatever client is given.
func New(cfg Config, client *http.Client) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Channel{url: cfg.WebhookURL, client: notify.HTTPClient(client)}, nil
}

// Send posts m as an Adaptive Card. The workflow answers 202 (or 200) once
// it has queued the run; 4xx other than 408/429 are permanent.
func (c *Channel) Send(ctx context.Context, m notify.Message) error {
	v, err := notify.Render(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("teams: cannot render message: %w", err))
	}
	body, err := notify.EncodeJSON(newMessage(v))
	if err != nil {
		return notify.Permanent(fmt.Errorf("teams: cannot encode card: %w", err))
	}
	resp, err := notify.PostJSON(ctx, c.client, c.url, nil, body)
	if err != nil {
		return fmt.Errorf("teams: cannot post card: %w", err)
	}
	if err := resp.Err(); err != nil {
		return fmt.Errorf("teams: cannot post card: %w", err)
	}
	return nil
}
