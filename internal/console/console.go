// Package console is unyo's web console: server-rendered pages for the MSP's
// operators and their customers' viewers, over the same storage the API uses.
// Handlers live one per file, named noun_verb.go; templates and static files
// are embedded, and static URLs carry a checksum so browsers cache them forever.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/statuspage"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// Options are the parts the console is built from. Only Store, Auth and
// Sessions are required; a nil source makes its page section say it is not
// connected rather than show empty figures as if they were known.
type Options struct {
	Store *storage.Store
	// DeleteTenant deletes a tenant as the API does (its series, its row,
	// its tokens' cache): *api.API's DeleteTenant. nil: the console does
	// not delete tenants.
	DeleteTenant func(ctx context.Context, tenant string) error
	Auth         *auth.Authenticator
	Sessions     *session.Manager
	Logger       *slog.Logger

	OIDC         OIDCProvider // nil: password login only
	Metrics      RangeQuerier // nil: resource pages show no charts
	Design       Design       // nil: no monitoring pages
	Alerts       AlertCounter
	Incidents    IncidentLister     // nil: the open incidents of IncidentDesk
	Availability AvailabilitySource // nil: the board shows no availability
	// The operations pages; each nil one is not served.
	AlertDesk    AlertDesk
	IncidentDesk IncidentDesk
	ReportDesk   ReportDesk
	Maintenance  MaintenanceDesk
	Channels     Channels // nil: no notification settings
	Policies     Policies
	Runbooks     RunbookReader   // nil: no runbooks on alert and incident pages
	Backups      BackupDesk      // nil: no backup page, and no backups on the board
	Problems     *problem.Store  // nil: no problem pages
	Capacity     *capacity.Store // nil: no operation plan pages
	// Improvements is the improvement register and the automation
	// candidates; nil: not served.
	Improvements *improvement.Store
	Dashboards   *dashboard.Store // nil: no dashboard pages
	// Drift tells which objects were changed by hand since a design
	// (onboarding as code) was last applied; nil: no drift badges.
	Drift   DriftSource
	Changes *change.Store // nil: no change pages, and no change on incident pages
	// CloudAccounts and CloudTest serve a tenant's cloud accounts page;
	// nil: not served.
	CloudAccounts *cloudaccount.Store
	CloudTest     cloudaccount.Tester
	// Discovery serves a tenant's cloud discovery page (with CloudAccounts)
	// and the board's banner of open cloud health events.
	Discovery *discovery.Discoverer
	Yearly    *yearplan.Service // nil: no yearly plan on the operation plan pages
	OnCall    *oncall.Store     // nil: no on-call page
	// The service desk's own pages; each nil one is not served.
	Requests    RequestDesk         // inquiries, catalog requests and the catalog
	WorkReports *workreport.Store   // work reports (対応報告)
	Books       *runbook.Store      // runbooks and daily checklists
	ServiceNow  *servicenow.Configs // a tenant's ServiceNow connection
	// VendorCases is the desk's vendor cases (問い合わせ代行): the block on
	// incident and inquiry pages and the tenant's list; nil: not served.
	VendorCases *incident.Desk
	// ServerURL is where agents reach the server (--external-url), for the
	// command lines of the first setup; "": the address the page was asked at.
	ServerURL string
	// StatusPages is the public status pages' settings and notices; nil:
	// no settings page.
	StatusPages *statuspage.Service
	// Nav adds entries to the navigation for pages served by other packages
	// (alerts, incidents, maintenance, reports), in the order given.
	Nav []NavLink
	Now func() time.Time
}

// Console serves the web pages.
type Console struct {
	opts   Options
	logger *slog.Logger
	views  *views
	static *staticFiles
	now    func() time.Time
}

// New parses the embedded templates and returns the console.
func New(opts Options) (*Console, error) {
	c := &Console{opts: opts, logger: opts.Logger, now: opts.Now}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.opts.Incidents == nil && c.opts.IncidentDesk != nil {
		c.opts.Incidents = deskIncidents{desk: c.opts.IncidentDesk, now: c.now} // the board's tile
	}
	var err error
	if c.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if c.views, err = parseViews(c.static); err != nil {
		return nil, err
	}
	return c, nil
}

// Register adds the console's routes to mux. The API keeps /api/; the
// console takes the rest of the URL space it names here.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/board", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /static/{sum}/{name}", c.serveStatic)
	mux.HandleFunc("GET /login", c.showLogin)
	mux.HandleFunc("POST /login", c.submitLogin)
	mux.HandleFunc("GET /login/oidc", c.startOIDC)
	mux.HandleFunc("GET /login/oidc/callback", c.finishOIDC)

	page := func(pattern string, h pageHandler) { mux.Handle(pattern, c.authenticated(h)) }
	page("POST /logout", c.submitLogout)
	page("POST /preferences", c.updatePreferences)
	page("GET /account/password", c.editPassword)
	page("POST /account/password", c.updatePassword)
	page("GET /board", c.showBoard)
	page("GET /tenants/{tenant}", c.showTenant)
	page("POST /tenants/{tenant}/networks", c.updateNetworks)
	page("GET /tenants/{tenant}/resources/{id}", c.showResource)
	page("GET /tenants/{tenant}/monitoring", c.showMonitoring)
	page("GET /tenants/{tenant}/monitoring/items.csv", c.exportItems("csv"))
	page("GET /tenants/{tenant}/monitoring/items.html", c.exportItems("html"))
	page("POST /tenants/{tenant}/monitoring/assignments", c.createAssignment)
	page("POST /tenants/{tenant}/resources/{id}/overrides", c.createOverride)
	page("GET /settings/tokens", c.listTokens)
	page("POST /settings/tokens", c.createToken)
	page("POST /settings/tokens/{id}/revoke", c.revokeToken)
	page("GET /settings/users", c.listUsers)
	page("POST /settings/users", c.createUser)
	c.registerAdmin(page)
	c.registerDesk(page)
	c.registerOps(page)
	c.registerServiceDesk(page)
	c.registerDashboards(mux, page)
}
