package cli

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/console"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oidc"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/storage"
)

// consoleConfig is what `unyo server` is told about the web console.
type consoleConfig struct {
	secureCookies bool
	oidcIssuer    string
	oidcClientID  string
	oidcSecret    string
	oidcRedirect  string
	oidcTenants   string
}

func (c *consoleConfig) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.secureCookies, "secure-cookies", env("UNYO_SECURE_COOKIES", "") == "true", "mark session cookies Secure even on plain HTTP, for a TLS proxy that sends no X-Forwarded-Proto (env UNYO_SECURE_COOKIES=true)")
	fs.StringVar(&c.oidcIssuer, "oidc-issuer", env("UNYO_OIDC_ISSUER", ""), "OIDC issuer URL for console single sign-on, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0 (env UNYO_OIDC_ISSUER)")
	fs.StringVar(&c.oidcClientID, "oidc-client-id", env("UNYO_OIDC_CLIENT_ID", ""), "OIDC client (application) ID (env UNYO_OIDC_CLIENT_ID)")
	fs.StringVar(&c.oidcRedirect, "oidc-redirect-url", env("UNYO_OIDC_REDIRECT_URL", ""), "the console's callback URL registered at the provider, ending in /login/oidc/callback (env UNYO_OIDC_REDIRECT_URL)")
	fs.StringVar(&c.oidcTenants, "oidc-tenants", env("UNYO_OIDC_TENANTS", ""), "e-mail domain to tenant map for new single sign-on users, e.g. contoso.com=contoso,fabrikam.co.jp=fabrikam (env UNYO_OIDC_TENANTS)")
	// The client secret is read from the environment only: a flag would show it in ps.
	c.oidcSecret = os.Getenv("UNYO_OIDC_CLIENT_SECRET")
}

// newConsole builds the web console over the server's parts.
func newConsole(ctx context.Context, cfg *consoleConfig, db *sql.DB, store *storage.Store, authn *auth.Authenticator,
	engine *promql.Engine, metrics *metricstore.Store, design *monitoring.Store, desk deskParts, logger *slog.Logger) (*console.Console, error) {
	opts := console.Options{
		Store:        store,
		Auth:         authn,
		Sessions:     session.New(db, session.Options{Secure: cfg.secureCookies}),
		Logger:       logger.With("component", "console"),
		Metrics:      console.NewPromQuerier(engine, metrics.ForTenant),
		Design:       design,
		Alerts:       boardAlerts{store: alert.NewStore(db)},
		Incidents:    boardIncidents{store: incident.NewStore(db, logger.With("component", "console")), now: time.Now},
		Availability: boardAvailability{report.NewGenerator(reportSources(db, store, metrics, logger), logger)},
	}
	desk.store = store
	if err := consoleDesk(&opts, desk, db, design, opts.Logger); err != nil {
		return nil, err
	}
	if cfg.oidcIssuer != "" {
		tenants, err := oidc.ParseTenants(cfg.oidcTenants)
		if err != nil {
			return nil, err
		}
		if cfg.oidcClientID == "" {
			return nil, fmt.Errorf("console: --oidc-issuer is set but --oidc-client-id is not")
		}
		redirect := cfg.oidcRedirect
		if redirect == "" || !strings.HasSuffix(redirect, "/login/oidc/callback") {
			return nil, fmt.Errorf("console: --oidc-redirect-url must be set and end in /login/oidc/callback, not %q", redirect)
		}
		p, err := oidc.New(ctx, oidc.Config{Issuer: cfg.oidcIssuer, ClientID: cfg.oidcClientID, ClientSecret: cfg.oidcSecret,
			RedirectURL: redirect, Tenants: tenants})
		if err != nil {
			return nil, err
		}
		opts.OIDC = p
	}
	return console.New(opts)
}
