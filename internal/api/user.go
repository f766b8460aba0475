package api

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// userInput is what an admin may set on a user. Password is write-only.
type userInput struct {
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Email    string     `json:"email"`
	Role     model.Role `json:"role"`
	Tenant   string     `json:"tenant"`
	Language string     `json:"language"`
	TimeZone string     `json:"time_zone"`
	Disabled bool       `json:"disabled"`
	Password string     `json:"password"`
}

func (in userInput) apply(u *model.User) {
	u.Name, u.Email, u.Role, u.TenantID = in.Name, in.Email, in.Role, in.Tenant
	u.Language, u.TimeZone, u.Disabled = in.Language, in.TimeZone, in.Disabled
}

// audited drops the password, which must never reach the audit log.
func (in userInput) audited() userInput {
	in.Password = ""
	return in
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	if err := require(r, model.ScopeAdmin, true); err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.Users(r.Context())
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.userFromPath(r)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, u)
}

func (a *API) userFromPath(r *http.Request) (*model.User, error) {
	if err := require(r, model.ScopeAdmin, true); err != nil {
		return nil, err
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.store.User(r.Context(), id)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	if err := require(r, model.ScopeAdmin, true); err != nil {
		response.Error(w, r, err)
		return
	}
	var in userInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	u := &model.User{Login: in.Login}
	in.apply(u)
	u.Normalize()
	if err := a.validateUser(r, u); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.setPassword(u, in.Password); err != nil {
		response.Error(w, r, err)
		return
	}
	u.PasswordMustChange = true // the admin chose it; the console asks the user to change it
	if err := a.store.CreateUser(response.Audited(r, u.TenantID, "create", "user", "", in.audited()), u); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, u)
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.userFromPath(r)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in userInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	if in.Login != "" && in.Login != u.Login {
		response.Error(w, r, invalid.New("login", "cannot be changed"))
		return
	}
	in.apply(u)
	u.Normalize()
	if err := a.validateUser(r, u); err != nil {
		response.Error(w, r, err)
		return
	}
	if in.Password != "" {
		if err := a.setPassword(u, in.Password); err != nil {
			response.Error(w, r, err)
			return
		}
		// A password set for someone else is known to the admin who set it;
		// one an admin sets for themselves is their own.
		u.PasswordMustChange = u.ID != auth.FromContext(r.Context()).UserID
	}
	if err := a.store.UpdateUser(response.Audited(r, u.TenantID, "update", "user", "", in.audited()), u); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, u)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.userFromPath(r)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if u.ID == auth.FromContext(r.Context()).UserID {
		response.Error(w, r, invalid.New("id", "you cannot delete yourself"))
		return
	}
	if err := a.store.DeleteUser(response.Audited(r, u.TenantID, "delete", "user", "", map[string]string{"login": u.Login}), u.ID); err != nil {
		response.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) validateUser(r *http.Request, u *model.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.TenantID != "" {
		if _, err := a.store.Tenant(r.Context(), u.TenantID); err != nil {
			return invalid.New("tenant", "no tenant %q", u.TenantID)
		}
	}
	return nil
}

func (a *API) setPassword(u *model.User, password string) error {
	if err := model.ValidatePassword(password); err != nil {
		return err
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	return nil
}
