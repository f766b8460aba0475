// Package slack delivers notifications to a Slack incoming webhook as Block
// Kit messages.
package slack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
)

var _ notify.Channel = (*Channel)(nil)

// Config is a Slack channel's configuration.
type Config struct {
	// WebhookURL is the incoming webhook, e.g.
	// https://hooks.slack.com/services/T…/B…/…; it is a secret.
	WebhookURL string `json:"webhook_url" yaml:"webhook_url"`
}

// Validate returns an *invalid.Error for a configuration that cannot work.
func (c Config) Validate() error {
	return invalid.Prefix("webhook_url", notify.ValidateWebhookURL(c.WebhookURL))
}

// LogValue keeps the webhook's secret path out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("webhook_url", notify.RedactURL(c.WebhookURL)))
}

// String keeps the webhook's secret path out of formatted output.
func (c Config) String() string {
	return "slack.Config{webhook_url: " + notify.RedactURL(c.WebhookURL) + "}"
}

// GoString keeps the webhook's secret path out of %#v.
func (c Config) GoString() string { return c.String() }

// Channel posts messages to one Slack incoming webhook.
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

// Send posts m. Slack answers 200 "ok" on success; its documented refusals
// (400 invalid_payload, 403 action_prohibited, 404 no_service,
// 410 channel_is_archived) are permanent, 429 carries Retry-After.
func (c *Channel) Send(ctx context.Context, m notify.Message) error {
	v, err := notify.Render(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("slack: cannot render message: %w", err))
	}
	body, err := notify.EncodeJSON(newPayload(v))
	if err != nil {
		return notify.Permanent(fmt.Errorf("slack: cannot encode message: %w", err))
	}
	resp, err := notify.PostJSON(ctx, c.client, c.url, nil, body)
	if err != nil {
		return fmt.Errorf("slack: cannot post message: %w", err)
	}
	if err := resp.Err(); err != nil {
		return fmt.Errorf("slack: cannot post message: %w", err)
	}
	// Anything but "ok" is not Slack (a proxy, a login page) and will not
	// turn into Slack by retrying.
	if !bytes.Equal(bytes.TrimSpace(resp.Body), []byte("ok")) {
		return notify.Permanent(fmt.Errorf("slack: cannot post message: HTTP %d without \"ok\"", resp.StatusCode))
	}
	return nil
}
