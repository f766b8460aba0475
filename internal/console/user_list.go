package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// usersData is the user list and the create form.
type usersData struct {
	Users   []*model.User
	Tenants []*model.Tenant
	Roles   []model.Role
	Form    *model.User // what was typed, kept after a refusal
}

func (c *Console) listUsers(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderUsers(w, r, p, http.StatusOK, nil)
}

// renderUsers is for MSP admins only: users of every tenant are listed.
func (c *Console) renderUsers(w http.ResponseWriter, r *http.Request, p *page, status int, form *model.User) error {
	if !p.P.Can(model.ScopeAdmin) || !p.P.Global() {
		return errForbidden
	}
	d := usersData{Roles: []model.Role{model.RoleViewer, model.RoleRequester, model.RoleOperator, model.RoleAdmin}, Form: form}
	if d.Form == nil {
		d.Form = &model.User{Role: model.RoleViewer, Language: p.User.Language, TimeZone: p.User.TimeZone}
	}
	var err error
	if d.Users, err = c.opts.Store.Users(r.Context()); err != nil {
		return err
	}
	if d.Tenants, err = c.opts.Store.Tenants(r.Context(), ""); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.users", p.L.T("usr.title"), d
	c.render(w, status, "users", p)
	return nil
}
