package console

import (
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/throttle"
)

// updatePassword changes the user's own password. The current password is
// required (a session left open must not be enough) and is checked behind
// the sign-in throttle like any other. Saving the new hash ends every
// session of the user (storage.UpdateUser); this browser gets a new one.
func (c *Console) updatePassword(w http.ResponseWriter, r *http.Request, p *page) error {
	_, err := c.opts.Auth.Password(r.Context(), p.User.Login, r.PostFormValue("current_password"), r.RemoteAddr)
	var refused *throttle.Refused
	switch {
	case errors.As(err, &refused):
		w.Header().Set("Retry-After", refused.Seconds())
		p.Error = p.L.T("login.throttled", refused.Seconds())
		c.renderPassword(w, p, http.StatusTooManyRequests)
		return nil
	case errors.Is(err, auth.ErrUnauthenticated):
		p.Error = p.L.T("pwd.wrong_current")
		c.renderPassword(w, p, http.StatusBadRequest)
		return nil
	case err != nil:
		return err
	}
	next := r.PostFormValue("password")
	err = model.ValidatePassword(next)
	if err == nil && next != r.PostFormValue("confirm_password") {
		err = invalid.New("confirm_password", "does not match the new password")
	}
	if err == nil && next == r.PostFormValue("current_password") {
		err = invalid.New("password", "must differ from the current password")
	}
	if e, ok := invalid.As(err); ok {
		p.Error = p.L.T("err.field", e.Field, e.Reason)
		c.renderPassword(w, p, http.StatusBadRequest)
		return nil
	}
	u := *p.User
	if u.PasswordHash, err = auth.HashPassword(next); err != nil {
		return err
	}
	u.PasswordMustChange = false // the password is now the user's own: the banner goes
	if err := c.opts.Store.UpdateUser(audited(r, p, u.TenantID, "change_password", "user", u.Login, map[string]string{"remote": r.RemoteAddr}), &u); err != nil {
		return err
	}
	if _, err := c.opts.Sessions.Start(r.Context(), w, r, u.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/account/password?changed=1", http.StatusSeeOther)
	return nil
}
