package channel

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify/email"
	"github.com/unyo-ops/unyo/internal/notify/slack"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
)

// FuzzDecodeConfig feeds the API's channel configurations: a refusal is
// always an *invalid.Error, and an accepted configuration's redacted form
// holds none of its secrets.
func FuzzDecodeConfig(f *testing.F) {
	f.Add("slack", `{"webhook_url":"https://hooks.slack.com/services/T0/B0/secretpath"}`)
	f.Add("teams", `{"webhook_url":"https://prod.westus.logic.azure.com/workflows/x?sig=s3cr3t"}`)
	f.Add("webhook", `{"url":"https://r.example.com/h?token=abc","secret":"0123456789abcdef0123","headers":{"Authorization":"Bearer zz"}}`)
	f.Add("email", `{"host":"smtp.example.com","auth":"plain","username":"u","password":"pw-secret","from":"a@example.com","to":["b@example.com"]}`)
	f.Add("email", `{"port":"x"}`)
	f.Add("pager", `{}`)
	f.Fuzz(func(t *testing.T, typ, raw string) {
		cfg, err := decodeConfig(typ, json.RawMessage(raw))
		if err == nil {
			err = validate(cfg)
		}
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("refusal %v is not an *invalid.Error", err)
			}
			return
		}
		shown, _ := json.Marshal(redact(cfg))
		var secrets []string
		switch c := cfg.(type) {
		case slack.Config:
			secrets = append(secrets, urlSecrets(c.WebhookURL)...)
		case webhook.Config:
			secrets = append(secrets, c.Secret)
			secrets = append(secrets, urlSecrets(c.URL)...)
			for _, v := range c.Headers {
				secrets = append(secrets, v)
			}
		case email.Config:
			secrets = append(secrets, c.Password)
		}
		for _, s := range secrets {
			if len(s) >= 4 && strings.Contains(string(shown), s) {
				t.Fatalf("redacted form %s shows secret %q", shown, s)
			}
		}
	})
}

// urlSecrets is what of a webhook URL is secret: its path and query.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return []string{u.EscapedPath(), u.RawQuery}
}
