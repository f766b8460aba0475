package channel

import (
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify/email"
	"github.com/unyo-ops/unyo/internal/notify/slack"
	"github.com/unyo-ops/unyo/internal/notify/teams"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
)

// resupply is the reason given when a stored secret is not re-sent with a
// new destination.
const resupply = "must be given again when the destination changes: a stored secret never follows a channel to a new destination"

// keepSecrets fills the secrets left empty in next from prev, so an operator
// can rename a channel or change its recipients without pasting its secrets
// again. When next points somewhere else (another webhook URL, SMTP host or
// port), every stored secret must be in next: otherwise a write token could
// redirect the channel and receive the bearer header or password it never
// saw. Errors name the field below "config".
func keepSecrets(next, prev any) (any, error) {
	switch n := next.(type) {
	case slack.Config:
		// The URL is the secret: a new one brings its own.
		if p, ok := prev.(slack.Config); ok && n.WebhookURL == "" {
			n.WebhookURL = p.WebhookURL
		}
		return n, nil
	case teams.Config:
		if p, ok := prev.(teams.Config); ok && n.WebhookURL == "" {
			n.WebhookURL = p.WebhookURL
		}
		return n, nil
	case email.Config:
		p, ok := prev.(email.Config)
		if !ok || n.Password != "" || n.Username != p.Username || p.Password == "" || n.Auth == email.AuthNone {
			return n, nil
		}
		if n.Address() != p.Address() {
			return nil, invalid.New("config.password", "%s (host or port changed)", resupply)
		}
		n.Password = p.Password
		return n, nil
	case webhook.Config:
		p, ok := prev.(webhook.Config)
		if !ok {
			return n, nil
		}
		return keepWebhookSecrets(n, p)
	}
	return next, nil
}

// keepWebhookSecrets keeps the signing secret and the header values of p
// that n leaves empty (or shows redacted); absent headers keep them all,
// while an explicit {} drops them.
func keepWebhookSecrets(n, p webhook.Config) (any, error) {
	moved := n.URL != "" && n.URL != p.URL
	if n.URL == "" {
		n.URL = p.URL
	}
	if n.Secret == "" {
		if moved && p.Secret != "" {
			return nil, invalid.New("config.secret", "%s (url changed)", resupply)
		}
		n.Secret = p.Secret
	}
	if n.Headers == nil && len(p.Headers) > 0 {
		n.Headers = make(map[string]string, len(p.Headers))
		for k := range p.Headers {
			n.Headers[k] = ""
		}
	}
	for k, v := range n.Headers {
		if v != "" && v != redacted {
			continue
		}
		stored, ok := p.Headers[k]
		if moved && ok && stored != "" {
			return nil, invalid.New("config.headers."+k, "%s (url changed)", resupply)
		}
		n.Headers[k] = stored
	}
	return n, nil
}
