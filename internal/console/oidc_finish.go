package console

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/oidc"
	"github.com/unyo-ops/unyo/internal/storage"
)

// finishOIDC is the provider's redirect back: it checks the state, verifies
// the ID token, then logs in the user linked to the identity (issuer,
// subject). An identity not linked yet is linked by a verified e-mail
// address only: to the user with that address, or to a new viewer of the
// tenant the address's domain is mapped to.
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
	u, err := c.oidcUser(r, id)
	if errors.Is(err, errUnverified) {
		c.logger.Info("console: OIDC login with an unverified e-mail address", "issuer", id.Issuer, "subject", id.Subject, "email", id.Email)
		c.renderLogin(w, r, http.StatusForbidden, "", "login.unverified")
		return
	}
	if errors.Is(err, errForbidden) {
		c.logger.Info("console: OIDC login without an account", "issuer", id.Issuer, "subject", id.Subject, "email", id.Email)
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

// errUnverified refuses to link an identity by an e-mail address its
// provider does not vouch for: anyone may claim any address at some providers.
var errUnverified = errors.New("console: the provider has not verified the e-mail address")

// oidcUser finds the user linked to the identity, or links one by the
// identity's verified e-mail address, or creates a viewer of the mapped tenant.
func (c *Console) oidcUser(r *http.Request, id *oidc.Identity) (*model.User, error) {
	ctx := r.Context()
	u, err := c.opts.Store.UserByIdentity(ctx, id.Issuer, id.Subject)
	if err == nil {
		if u.Disabled {
			return nil, errForbidden
		}
		return u, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if id.Email == "" || !id.EmailVerified {
		return nil, errUnverified
	}
	u, err = c.opts.Store.UserByEmail(ctx, id.Email)
	if errors.Is(err, storage.ErrNotFound) {
		if u, err = c.createOIDCUser(r, id); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	} else if u.Disabled {
		return nil, errForbidden
	}
	// A user linked to another subject of this issuer keeps it: an address
	// that moved to another person at the provider does not take the account.
	linked := storage.WithAudit(ctx, storage.AuditEntry{TenantID: u.TenantID, Actor: "oidc", Action: "link", ObjectType: "user",
		ObjectID: u.Login}, map[string]string{"issuer": id.Issuer, "subject": id.Subject, "email": id.Email})
	if err := c.opts.Store.LinkIdentity(linked, u.ID, id.Issuer, id.Subject, id.Email); errors.Is(err, storage.ErrConflict) {
		c.logger.Warn("console: OIDC identity not linked: the user has another identity at this issuer", "user", u.Login, "issuer", id.Issuer, "subject", id.Subject)
		return nil, errForbidden
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// createOIDCUser creates a viewer of the tenant the verified e-mail
// address's domain is mapped to.
func (c *Console) createOIDCUser(r *http.Request, id *oidc.Identity) (*model.User, error) {
	ctx := r.Context()
	tenant, ok := c.opts.OIDC.TenantFor(id.Email)
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
	u := &model.User{Login: id.Email, Name: id.Name, Email: id.Email, Role: model.RoleViewer, TenantID: t.ID,
		Language: langFromHeader(r.Header.Get("Accept-Language")), TimeZone: t.TimeZone, PasswordHash: hash}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return nil, err
	}
	created := storage.WithAudit(ctx, storage.AuditEntry{TenantID: t.ID, Actor: "oidc", Action: "create", ObjectType: "user",
		ObjectID: u.Login}, map[string]string{"role": string(u.Role), "via": "oidc"})
	if err := c.opts.Store.CreateUser(created, u); err != nil {
		return nil, err
	}
	return u, nil
}
