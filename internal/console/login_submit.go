package console

import (
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/session"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
)

func (c *Console) submitLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := session.CheckFormToken(r); err != nil {
		c.renderLogin(w, r, http.StatusForbidden, "", "err.csrf")
		return
	}
	login := r.PostFormValue("login")
	p, err := c.opts.Auth.Password(r.Context(), login, r.PostFormValue("password"), r.RemoteAddr)
	var refused *throttle.Refused
	if errors.As(err, &refused) {
		w.Header().Set("Retry-After", refused.Seconds())
		c.renderLogin(w, r, http.StatusTooManyRequests, login, "login.throttled", refused.Seconds())
		return
	}
	if errors.Is(err, auth.ErrUnauthenticated) {
		c.logger.Info("console: login refused", "login", login, "remote", r.RemoteAddr)
		c.renderLogin(w, r, http.StatusUnauthorized, login, "login.failed")
		return
	}
	if err != nil {
		c.logger.Error("console: login", "err", err)
		c.renderLogin(w, r, http.StatusInternalServerError, login, "err.500")
		return
	}
	c.startSession(w, r, p.UserID, p.Name, p.Tenant, "password")
}

// startSession logs the user in and sends them where they were going.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, userID int64, actor, tenant, method string) {
	if _, err := c.opts.Sessions.Start(r.Context(), w, r, userID); err != nil {
		c.logger.Error("console: starting session", "err", err)
		http.Error(w, "cannot start a session", http.StatusInternalServerError)
		return
	}
	// Expired sessions are swept at each login: cheap with the expiry index,
	// and no background loop to start and stop.
	if _, err := c.opts.Sessions.Prune(r.Context()); err != nil {
		c.logger.Warn("console: pruning sessions", "err", err)
	}
	c.opts.Store.Audit(r.Context(), storage.AuditEntry{TenantID: tenant, Actor: actor,
		Action: "login", ObjectType: "session", ObjectID: method}, map[string]string{"remote": r.RemoteAddr})
	http.Redirect(w, r, localPath(r.FormValue("next"), "/board"), http.StatusSeeOther)
}
