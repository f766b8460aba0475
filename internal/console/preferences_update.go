package console

import (
	"net/http"
)

// updatePreferences saves the user's language and time zone, then returns
// to the page the form was on.
func (c *Console) updatePreferences(w http.ResponseWriter, r *http.Request, p *page) error {
	u := *p.User
	if v := r.PostFormValue("language"); v != "" {
		u.Language = v
	}
	if v := r.PostFormValue("time_zone"); v != "" {
		u.TimeZone = v
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := c.opts.Store.UpdateUser(r.Context(), &u); err != nil {
		return err
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/board"), http.StatusSeeOther)
	return nil
}
