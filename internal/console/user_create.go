package console

import (
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, p *page) error {
	if !p.P.Can(model.ScopeAdmin) || !p.P.Global() {
		return errForbidden
	}
	u := &model.User{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Role: model.Role(r.PostFormValue("role")), TenantID: r.PostFormValue("tenant"),
		Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("time_zone"),
		PasswordMustChange: true} // the admin typed the password: the user is asked to change it
	if !u.Role.Customer() {
		u.TenantID = "" // the tenant select is for customer roles; staff work across tenants
	}
	u.Normalize()
	err := u.Validate()
	if err == nil {
		err = model.ValidatePassword(r.PostFormValue("password"))
	}
	if err == nil && u.TenantID != "" {
		if _, terr := c.opts.Store.Tenant(r.Context(), u.TenantID); terr != nil {
			err = invalid.New("tenant", "no tenant %q", u.TenantID)
		}
	}
	if err == nil {
		if u.PasswordHash, err = auth.HashPassword(r.PostFormValue("password")); err == nil {
			err = c.opts.Store.CreateUser(audited(r, p, u.TenantID, "create", "user", u.Login, map[string]string{"role": string(u.Role)}), u)
		}
	}
	if errors.Is(err, storage.ErrConflict) {
		err = invalid.New("login", "%q is taken", u.Login)
	}
	if e, ok := invalid.As(err); ok {
		p.Error = p.L.T("err.field", e.Field, e.Reason)
		return c.renderUsers(w, r, p, http.StatusBadRequest, u)
	}
	if err != nil {
		return err
	}
	p.Notice = p.L.T("usr.created")
	return c.renderUsers(w, r, p, http.StatusCreated, nil)
}
