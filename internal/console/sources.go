package console

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oidc"
	"github.com/unyo-ops/unyo/internal/report"
)

// The console reads other domains only through these small interfaces, so
// the lead can wire each one in internal/cli when its package exists.

// AlertCounter counts a tenant's firing alerts by severity ("critical", "warning", ...).
type AlertCounter interface {
	FiringBySeverity(ctx context.Context, tenant string) (map[string]int, error)
}

// AvailabilitySource computes the availability of each of a tenant's
// services over a period, maintenance windows excluded, from the tenant,
// services and resources the board has read; *report.Generator is one.
type AvailabilitySource interface {
	AvailabilityOf(ctx context.Context, k report.Known, from, to time.Time) ([]report.Availability, error)
}

// IncidentLister lists a tenant's open incidents with their SLA clocks.
type IncidentLister interface {
	OpenIncidents(ctx context.Context, tenant string) ([]OpenIncident, error)
}

// OpenIncident is what the board shows of one open incident.
type OpenIncident struct {
	ID    int64
	Title string
	// Titles is Title in both languages, when an alert gave it; else empty.
	Titles   alert.Text
	Severity string
	Priority int // 1 (critical) to 5 (planning), shown in the reader's language; 0 unknown
	OpenedAt time.Time
	Clocks   []SLAClock
}

// TitleIn is the incident's title in lang.
func (o OpenIncident) TitleIn(lang string) string {
	if o.Titles != (alert.Text{}) {
		return o.Titles.In(lang)
	}
	return o.Title
}

// SLAClock is one running SLA target of an incident, e.g. response or resolution.
type SLAClock struct {
	Name     string    // "response", "resolution"
	Due      time.Time // when the target is breached, counted in business time
	Paused   bool
	Breached bool
}

// RangeQuerier runs a PromQL range query over one tenant's series only.
type RangeQuerier interface {
	QueryRange(ctx context.Context, tenant, query string, start, end time.Time, step time.Duration) ([]Series, error)
}

// Design is the part of the monitoring store the console uses.
type Design interface {
	Templates(ctx context.Context, tenant string) ([]*monitoring.Template, error)
	Assignments(ctx context.Context, tenant string) ([]*monitoring.Assignment, error)
	CreateAssignment(ctx context.Context, a *monitoring.Assignment) error
	CreateOverride(ctx context.Context, o *monitoring.Override) error
	EffectiveItems(ctx context.Context, tenant string, resource int64) ([]monitoring.ResolvedItem, error)
	ItemList(ctx context.Context, tenant, lang string, now time.Time) (*monitoring.ItemList, error)
	// What the administration forms write (admin_routes.go), through the
	// same validation as the API's.
	Template(ctx context.Context, tenant string, id int64) (*monitoring.Template, error)
	CreateTemplate(ctx context.Context, t *monitoring.Template) error
	UpdateTemplate(ctx context.Context, t *monitoring.Template) error
	Item(ctx context.Context, tenant string, id int64) (*monitoring.Item, error)
	Items(ctx context.Context, tenant string, f monitoring.ItemFilter) ([]*monitoring.Item, error)
	CreateItem(ctx context.Context, it *monitoring.Item) error
	UpdateItem(ctx context.Context, it *monitoring.Item) error
	DeleteAssignment(ctx context.Context, tenant string, id int64) error
	Unregistered(ctx context.Context, tenant string, registered func(host string) bool, now time.Time) ([]monitoring.Attempt, error)
}

// OIDCProvider is the single sign-on login flow.
type OIDCProvider interface {
	AuthURL(state, nonce string) string
	Exchange(ctx context.Context, code, nonce string) (*oidc.Identity, error)
	TenantFor(email string) (string, bool)
}

// NavLink is one entry of the navigation. Key names its label in the catalog.
type NavLink struct {
	Key  string
	Path string
	// Label is the catalog key of the text when it is not Key's: the
	// portal names the board and the tenant page for the customer.
	Label string
}
