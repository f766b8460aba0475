package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/storage"
)

// errForbidden refuses a page the user's role or tenant does not allow.
var errForbidden = errors.New("console: forbidden")

// maxForm bounds what a form POST may send; no console form is near it.
const maxForm = 64 << 10

// pageHandler serves one page for a logged-in user; p arrives filled with
// the user, their locale, the CSRF token and the navigation.
type pageHandler func(w http.ResponseWriter, r *http.Request, p *page) error

// authenticated loads the session and its user, refuses a POST without the
// session's CSRF token, and maps the handler's error to an error page.
func (c *Console) authenticated(h pageHandler) http.Handler { return c.authenticatedUpTo(h, maxForm) }

// authenticatedUpTo is authenticated for a form that may send up to limit
// bytes (a Grafana dashboard pasted into the import form).
func (c *Console) authenticatedUpTo(h pageHandler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.opts.Sessions.Load(r)
		if err != nil {
			if !errors.Is(err, session.ErrNoSession) {
				c.logger.Error("console: loading session", "err", err)
			}
			c.toLogin(w, r)
			return
		}
		u, err := c.opts.Store.User(r.Context(), s.UserID)
		if err != nil || u.Disabled {
			c.opts.Sessions.End(w, r)
			c.toLogin(w, r)
			return
		}
		p := &page{L: newLocale(u.Language, u.TimeZone), User: u, P: auth.UserPrincipal(u), CSRF: s.CSRF}
		p.L.people = c.people(r.Context())
		p.Nav = c.nav(p.P)
		p.Drift = c.newDrift(r, p)
		if r.Method == http.MethodGet {
			p.Path = r.URL.RequestURI()
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p.P))
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if err := session.CheckCSRF(r, s); err != nil {
				c.fail(w, r, p, err)
				return
			}
		}
		if err := h(w, r, p); err != nil {
			c.fail(w, r, p, err)
		}
	})
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// fail renders the error page that fits err.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p *page, err error) {
	status, msg := http.StatusInternalServerError, p.L.T("err.500")
	if e, ok := invalid.As(err); ok {
		status, msg = http.StatusBadRequest, p.L.T("err.field", e.Field, e.Reason)
	} else {
		switch {
		case errors.Is(err, errForbidden):
			status, msg = http.StatusForbidden, p.L.T("err.403")
		case errors.Is(err, session.ErrCSRF):
			status, msg = http.StatusForbidden, p.L.T("err.csrf")
		case errors.Is(err, storage.ErrNotFound):
			status, msg = http.StatusNotFound, p.L.T("err.404")
		default:
			c.logger.Error("console: page failed", "path", r.URL.Path, "err", err)
		}
	}
	p.Title, p.Error = p.L.T("err.title"), msg
	c.render(w, status, "error", p)
}

// tenant returns the tenant named in the path if the user may see it. A
// viewer asking for another tenant gets 403 whether or not it exists, so
// tenant names cannot be probed.
func (c *Console) tenant(r *http.Request, p *page) (*model.Tenant, error) {
	id := r.PathValue("tenant")
	if !p.P.CanAccessTenant(id) {
		return nil, errForbidden
	}
	return c.opts.Store.Tenant(r.Context(), id)
}

// require refuses the page unless the user holds scope.
func require(p *page, scope model.Scope) error {
	if !p.P.Can(scope) {
		return errForbidden
	}
	return nil
}

// nav is the navigation for a principal: the board, the pages other
// packages add, then the settings an admin may open; a customer's user
// gets the portal's (portalNav).
func (c *Console) nav(p *auth.Principal) []NavLink {
	if p.Customer() {
		return c.portalNav(p)
	}
	links := []NavLink{{Key: "nav.board", Path: "/board"}}
	if !p.Global() {
		links = append(links, NavLink{Key: "nav.tenants", Path: "/tenants/" + url.PathEscape(p.Tenant)})
	}
	links = append(links, c.opts.Nav...)
	if c.opts.Channels != nil && p.Global() {
		links = append(links, NavLink{Key: "ntf.link", Path: "/settings/notifications"})
	}
	if p.Can(model.ScopeAdmin) && p.Global() {
		links = append(links, NavLink{Key: "nav.tokens", Path: "/settings/tokens"}, NavLink{Key: "nav.users", Path: "/settings/users"},
			NavLink{Key: "adm.setup", Path: "/setup"})
	}
	return links
}
