package session

import (
	"net/http"
)

// formCookie holds the token of forms shown before login (the login form
// itself, OIDC state): a double-submit token, since there is no session yet.
const formCookie = "unyo_form"

// FormToken returns the pre-login form token of the browser, setting its
// cookie when the browser has none.
func (m *Manager) FormToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	v := randomID()
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: v, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.opts.Secure || Secure(r)})
	return v
}

// CheckFormToken verifies a pre-login form POST carries the browser's form token.
func CheckFormToken(r *http.Request) error {
	c, err := r.Cookie(formCookie)
	if err != nil || !equal(r.PostFormValue(CSRFField), c.Value) {
		return ErrCSRF
	}
	return nil
}
