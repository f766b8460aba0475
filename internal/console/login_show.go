package console

import "net/http"

// loginData is what the login page shows.
type loginData struct {
	Next string
	OIDC bool
	// Login is kept after a failed attempt, so only the password is retyped.
	Login string
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request) {
	if _, err := c.opts.Sessions.Load(r); err == nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/board"), http.StatusSeeOther)
		return
	}
	c.renderLogin(w, r, http.StatusOK, "", "")
}

// renderLogin shows the login form; the page carries the browser's pre-login
// form token, as there is no session to bind a CSRF token to yet.
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, login, errKey string, args ...any) {
	l := newLocale(langFromHeader(r.Header.Get("Accept-Language")), "UTC")
	if q := r.URL.Query().Get("lang"); q == "ja" || q == "en" {
		l.Lang = q
	}
	p := &page{L: l, CSRF: c.opts.Sessions.FormToken(w, r), Title: l.T("login.title"),
		Data: loginData{Next: localPath(r.FormValue("next"), "/board"), OIDC: c.opts.OIDC != nil, Login: login}}
	if errKey != "" {
		p.Error = l.T(errKey, args...)
	}
	c.render(w, status, "login", p)
}
