package console

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/blueprint"
)

// DriftSource lists a tenant's objects changed by hand since the last
// apply of its design (blueprint.Planner): the pages mark them, so that an
// operator knows the next apply will put them back.
type DriftSource interface {
	Drifted(ctx context.Context, tenant string) ([]blueprint.Ref, error)
}

// drift is one page's lookup of the drift badges: a tenant's drifted
// objects are read on the page's first question about that tenant, so a
// page that shows no designed object reads nothing. Every page that shows
// an object a design can hold asks it, by the object's kind (the kind's
// name in plans: blueprint.KindService, "contact", ...) and key (its name
// in the design), and renders the "drift" partial of layout.html:
//
//	{{with $.Drift.Badge "service" .Name}}{{template "drift" .}}{{end}}
//
// BadgeIn names the tenant, for pages that list several.
type drift struct {
	ctx    context.Context
	src    DriftSource
	p      *page
	path   string // the tenant of the page's path, if any
	logger *slog.Logger
	got    map[string]map[blueprint.Ref]bool
}

// driftBadge is what the "drift" partial shows.
type driftBadge struct {
	Kind, Key string
	L         locale
}

func (c *Console) newDrift(r *http.Request, p *page) *drift {
	if c.opts.Drift == nil {
		return nil
	}
	return &drift{ctx: r.Context(), src: c.opts.Drift, p: p, path: r.PathValue("tenant"), logger: c.logger, got: map[string]map[blueprint.Ref]bool{}}
}

// Badge is the badge of the object kind/key of the page's tenant, nil
// when it is as designed (or the page has no tenant).
func (d *drift) Badge(kind, key string) *driftBadge {
	if d == nil {
		return nil
	}
	return d.BadgeIn(d.path, kind, key)
}

// BadgeIn is Badge for an object of tenant.
func (d *drift) BadgeIn(tenant, kind, key string) *driftBadge {
	if d == nil || tenant == "" || !d.p.P.CanAccessTenant(tenant) {
		return nil
	}
	set, ok := d.got[tenant]
	if !ok {
		refs, err := d.src.Drifted(d.ctx, tenant)
		if err != nil { // a badge is a hint: the page is shown without it
			d.logger.Warn("console: cannot read the design's drift", "tenant", tenant, "err", err)
		}
		set = map[blueprint.Ref]bool{}
		for _, r := range refs {
			set[r] = true
		}
		d.got[tenant] = set
	}
	if !set[blueprint.Ref{Kind: kind, Key: key}] {
		return nil
	}
	return &driftBadge{Kind: kind, Key: key, L: d.p.L}
}
