package blueprint

import (
	"context"

	"github.com/unyo-ops/unyo/internal/statuspage"
)

// StatusPage is the tenant's public status page (one per tenant, keyed
// by the tenant): whether it is on, its path /status/{slug}, its title.
type StatusPage struct {
	Enabled bool   `json:"enabled,omitempty"`
	Slug    string `json:"slug"`
	Title   string `json:"title,omitempty"` // empty: the tenant's name
}

// statusPages is the tenant's status page settings.
type statusPages struct{}

func (statusPages) name() string { return KindStatusPage }

func (statusPages) read(ctx context.Context, s Stores, tenant string, st *state) error {
	p, err := s.StatusPages.Store().Page(ctx, tenant)
	if err != nil {
		return err
	}
	if p.UpdatedAt.IsZero() {
		return nil // never saved: the default page (off), no object
	}
	st.put(KindStatusPage, tenant, &object{design: StatusPage{Enabled: p.Enabled, Slug: p.Slug, Title: p.Title}})
	return nil
}

func (statusPages) want(d *Design, tenant string, x *ids, add adder) error {
	if d.StatusPage != nil {
		m := d.StatusPage.model()
		_ = m.Validate() // trims as the store does
		add(tenant, StatusPage{Enabled: m.Enabled, Slug: m.Slug, Title: m.Title}, *d.StatusPage)
	}
	return nil
}

func (statusPages) validate(l *loader, d *Design, x *ids, u *unique) {
	if d.StatusPage != nil {
		l.check("status_page", d.StatusPage.model().Validate())
	}
}

func (statusPages) write(ctx context.Context, w *writer, v any, id int64) error {
	_, err := w.s.stores.StatusPages.SavePage(ctx, w.tenant, *v.(StatusPage).model())
	return err
}

// remove puts the page back to the default: off, under the tenant's ID.
func (statusPages) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.StatusPages.DeletePage(ctx, tenant)
}

func (statusPages) export(d *Design, v any) {
	p := v.(StatusPage)
	d.StatusPage = &p
}

func (p StatusPage) model() *statuspage.Page {
	return &statuspage.Page{Enabled: p.Enabled, Slug: p.Slug, Title: p.Title}
}

// one counts a one-per-tenant object of the design (0 or 1).
func one[T any](p *T) int {
	if p == nil {
		return 0
	}
	return 1
}
