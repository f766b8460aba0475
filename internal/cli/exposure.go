package cli

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
)

// metricsAdmin is who reads the tenant-labelled series of /metrics: a
// caller of every tenant with the admin scope (the MSP admin's login or an
// MSP-wide admin token). Anyone else gets the server's metrics without them.
func metricsAdmin(authn *auth.Authenticator) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if r.Header.Get("Authorization") == "" {
			return false
		}
		p, err := authn.Authenticate(r)
		return err == nil && p.Global() && p.Can(model.ScopeAdmin)
	}
}
