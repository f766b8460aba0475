package console

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// finishOIDC is the provider's redirect back: it checks the state, verifies
// the ID token, then logs in the user with that e-mail address, or creates a
// viewer of the tenant the e-mail domain is mapped to.
func (c *Console) finishOIDC(w http.ResponseWriter, r *http.Request) {
	if c.opts.OIDC == nil {
		http.NotFound(w, r)
		return
	}
	state, nonce, next, ok := oidcPending(r)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/login/oidc", MaxAge: -1})
	q := r.URL.Query()
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 || q.Get("code") == "" {
		c.logger.Warn("console: OIDC callback without a matching state", "remote", r.RemoteAddr, "error", q.Get("error"))
		c.renderLogin(w, r, http.StatusBadRequest, "", "login.oidc_failed")
		return
	}
	id, err := c.opts.OIDC.Exchange(r.Context(), q.Get("code"), nonce)
	if err != nil {
		c.logger.Warn("console: OIDC login failed", "err", err)
		c.renderLogin(w, r, http.StatusUnauthorized, "", "login.oidc_failed")
		return
	}
	u, err := c.oidcUser(r, id.Email, id.Name)
	if errors.Is(err, errForbidden) {
		c.logger.Info("console: OIDC login without an account", "email", id.Email)
		c.renderLogin(w, r, http.StatusForbidden, "", "login.no_account")
		return
	}
	if err != nil {
		c.logger.Error("console: OIDC user", "err", err)
		c.renderLogin(w, r, http.StatusInternalServerError, "", "err.500")
		return
	}
	r.Form = map[string][]string{"next": {next}}
	c.startSession(w, r, u.ID, "user:"+u.Login, u.TenantID, "oidc")
}

// oidcUser finds the user by e-mail, or creates a viewer of the mapped tenant.
func (c *Console) oidcUser(r *http.Request, email, name string) (*model.User, error) {
	ctx := r.Context()
	u, err := c.opts.Store.UserByEmail(ctx, email)
	if err == nil {
		if u.Disabled {
			return nil, errForbidden
		}
		return u, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	tenant, ok := c.opts.OIDC.TenantFor(email)
	if !ok {
		return nil, errForbidden
	}
	t, err := c.opts.Store.Tenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	// The password is random and thrown away: this user logs in by OIDC only.
	hash, err := auth.HashPassword(auth.RandomPassword() + auth.RandomPassword())
	if err != nil {
		return nil, err
	}
	u = &model.User{Login: email, Name: name, Email: email, Role: model.RoleViewer, TenantID: t.ID,
		Language: langFromHeader(r.Header.Get("Accept-Language")), TimeZone: t.TimeZone, PasswordHash: hash}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := c.opts.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	c.opts.Store.Audit(ctx, storage.AuditEntry{TenantID: t.ID, Actor: "oidc", Action: "create", ObjectType: "user",
		ObjectID: u.Login}, map[string]string{"role": string(u.Role), "via": "oidc"})
	return u, nil
}
