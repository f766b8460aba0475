package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/oidc"
	"github.com/unyo-ops/unyo/internal/session"
)

// oidcCookie carries the state and nonce of one login across the round trip
// to the provider. SameSite=Lax lets it come back on the provider's redirect.
const oidcCookie = "unyo_oidc"

func (c *Console) startOIDC(w http.ResponseWriter, r *http.Request) {
	if c.opts.OIDC == nil {
		http.NotFound(w, r)
		return
	}
	state, nonce := oidc.NewState(), oidc.NewState()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + localPath(r.URL.Query().Get("next"), "/board"),
		Path: "/login/oidc", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: session.Secure(r), MaxAge: int((10 * time.Minute).Seconds())})
	http.Redirect(w, r, c.opts.OIDC.AuthURL(state, nonce), http.StatusFound)
}

// oidcPending reads back the cookie startOIDC set.
func oidcPending(r *http.Request) (state, nonce, next string, ok bool) {
	ck, err := r.Cookie(oidcCookie)
	if err != nil {
		return "", "", "", false
	}
	parts := strings.SplitN(ck.Value, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
