// Package webhook delivers notifications as signed JSON to any HTTP
// endpoint, and gives receivers the function to check the signature.
package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
)

var _ notify.Channel = (*Channel)(nil)

// MinSecretLength is the shortest secret Validate accepts, in bytes.
const MinSecretLength = 16

// Config is a webhook channel's configuration.
type Config struct {
	URL string `json:"url" yaml:"url"`
	// Secret keys the HMAC in X-Unyo-Signature; share it with the receiver.
	Secret string `json:"secret" yaml:"secret"`
	// Headers are sent with every request, e.g. an Authorization header a
	// gateway in front of the receiver wants; their values are secrets.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// reserved headers are set by the channel and cannot be configured.
var reserved = []string{"Content-Type", "Content-Length", "Host", "User-Agent",
	HeaderSignature, HeaderTimestamp, HeaderIdempotencyKey}

// Validate returns an *invalid.Error for a configuration that cannot work.
func (c Config) Validate() error {
	if err := notify.ValidateWebhookURL(c.URL); err != nil {
		return invalid.Prefix("url", err)
	}
	if len(c.Secret) < MinSecretLength {
		return invalid.New("secret", "must be at least %d characters", MinSecretLength)
	}
	for name, value := range c.Headers {
		field := "headers." + name
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			return invalid.New(field, "is not a valid header name")
		case slices.Contains(reserved, http.CanonicalHeaderKey(name)):
			return invalid.New(field, "is set by unyo and cannot be configured")
		case !httpguts.ValidHeaderFieldValue(value):
			return invalid.New(field, "value contains characters a header cannot carry")
		}
	}
	return nil
}

// LogValue shows the URL's host and the header names only.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", notify.RedactURL(c.URL)),
		slog.Any("headers", slices.Sorted(maps.Keys(c.Headers))),
	)
}

// String keeps the secret, header values and URL path out of formatted output.
func (c Config) String() string {
	return "webhook.Config{url: " + notify.RedactURL(c.URL) + ", secret: [redacted]}"
}

// GoString keeps secrets out of %#v.
func (c Config) GoString() string { return c.String() }

// Channel posts signed JSON to one URL.
type Channel struct {
	url     string
	secret  []byte
	headers http.Header
	client  *http.Client
	now     func() time.Time
}

// New returns a Channel for cfg. client may be nil; redirects are never
// followed whatever client is given.
func New(cfg Config, client *http.Client) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	return &Channel{
		url:     cfg.URL,
		secret:  []byte(cfg.Secret),
		headers: h,
		client:  notify.HTTPClient(client),
		now:     time.Now,
	}, nil
}

// Send posts m as a version 1 Payload, signed at the current time. Any 2xx
// is success; see notify.Response.Err for how other answers are retried.
func (c *Channel) Send(ctx context.Context, m notify.Message) error {
	p, err := NewPayload(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: cannot build payload: %w", err))
	}
	body, err := notify.EncodeJSON(p)
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: cannot encode payload: %w", err))
	}
	// Signed per attempt: a retry hours later must not look stale.
	ts := c.now().Unix()
	h := c.headers.Clone()
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(c.secret, ts, body))
	h.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	resp, err := notify.PostJSON(ctx, c.client, c.url, h, body)
	if err != nil {
		return fmt.Errorf("webhook: cannot post: %w", err)
	}
	if err := resp.Err(); err != nil {
		return fmt.Errorf("webhook: cannot post: %w", err)
	}
	return nil
}
