package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/console"
	"github.com/unyo-ops/unyo/internal/oidc"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/session"
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
	fs.StringVar(&c.oidcRedirect, "oidc-redirect-url", env("UNYO_OIDC_REDIRECT_URL", ""), "the console's callback URL registered at the provider, ending in /login/oidc/callback (env UNYO_OIDC_REDIRECT_URL; default --external-url and /login/oidc/callback)")
	fs.StringVar(&c.oidcTenants, "oidc-tenants", env("UNYO_OIDC_TENANTS", ""), "e-mail domain to tenant map for new single sign-on users, e.g. contoso.com=contoso,fabrikam.co.jp=fabrikam (env UNYO_OIDC_TENANTS)")
	// The client secret is read from the environment only: a flag would show it in ps.
	c.oidcSecret = os.Getenv("UNYO_OIDC_CLIENT_SECRET")
}

// newConsole builds the web console over the app's services: the one
// engine, desk, maintenance store (whose cache the engine reads) and report
// service, so that the console's changes reach the same hooks as the API's.
func newConsole(ctx context.Context, cfg *consoleConfig, a *app) (*console.Console, error) {
	opts := console.Options{
		Store:        a.objects,
		DeleteTenant: a.api.DeleteTenant,
		Auth:         a.authn,
		Sessions:     session.New(a.db, session.Options{Secure: cfg.secureCookies}),
		Logger:       a.logger.With("component", "console"),
		Metrics:      console.NewPromQuerier(a.prom.Engine(), a.metrics.ForTenant),
		Design:       a.design,
		Alerts:       a.alertLog,
		Availability: a.reportGen,
		AlertDesk:    a.alerts,
		IncidentDesk: a.desk,
		ReportDesk:   a.reports,
		Maintenance:  a.windows,
		Channels:     a.channels,
		Policies:     a.policies,
		Runbooks:     runbook.NewFinder(a.design, a.runbooks),
		Backups:      a.backups,
		Improvements: a.register,
		Dashboards:   a.dashboards,
		Problems:     a.problems,
		Capacity:     a.capacity,
		Changes:      a.changes,
		Yearly:       a.yearly,
		// The same connection test as the API's, through the outbound policy.
		CloudAccounts: a.clouds,
		OnCall:        a.rotations,
		CloudTest:     connect.Tester(a.egress.Client(cloudaccount.TestTimeout)),
		Discovery:     a.discovery,
		Requests:      a.desk,
		VendorCases:   a.desk,
		WorkReports:   a.workReports,
		Books:         a.runbooks,
		ServiceNow:    a.snConfigs,
		ServerURL:     a.externalURL,
		StatusPages:   a.status,
		Nav: []console.NavLink{
			{Key: "nav.alerts", Path: "/alerts"},
			{Key: "nav.incidents", Path: "/incidents"},
			{Key: "nav.maintenance", Path: "/maintenance"},
			{Key: "nav.reports", Path: "/reports"},
		},
	}
	if a.blueprints != nil { // objects changed by hand since their design was applied
		opts.Drift = a.blueprints
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
		if redirect == "" {
			redirect = a.externalURL + "/login/oidc/callback"
		}
		if !strings.HasSuffix(redirect, "/login/oidc/callback") {
			return nil, fmt.Errorf("console: --oidc-redirect-url must end in /login/oidc/callback, not %q", redirect)
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
