// Package cloudtest holds the contract fakes that unyo's cloud code is
// tested against: Microsoft Entra's client-credentials token endpoint and
// AWS's Signature Version 4, each enforcing what the real service checks
// (the client secret, the scope, the signature made with the secret key),
// so that a test passes only when the real secret, opened from its sealed
// column, reached the wire in the provider's format.
package cloudtest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Entra is the Microsoft identity platform for one directory and one
// service principal: the OpenID configuration MSAL reads, and the v2.0
// token endpoint with the client-credentials grant.
type Entra struct {
	Tenant   string // the directory ID in the path
	ClientID string
	Secret   string // the client secret registered, "" for none
	// Certificate is the client certificate registered on the app: a
	// client assertion must be signed by its key and name it (x5t#S256 or
	// x5t). Nil for none.
	Certificate *x509.Certificate
	// FederatedToken is the token a federated identity credential of the
	// app accepts as the client assertion (workload identity), "" for none.
	FederatedToken string
	Scope          string // the scope a token is issued for, e.g. https://management.example/.default
	// Scopes are further scopes the principal may get tokens for (Azure
	// Monitor's https://metrics.monitor.azure.com/.default); AuthorizedFor
	// tells a token of one from a token of another.
	Scopes []string

	mu       sync.Mutex
	issued   map[string]string // token → the scope it was issued for
	tokens   int
	endpoint string // the token endpoint, the audience of a client assertion
}

// Register serves the directory's endpoints on mux; base is the scheme
// and host the clients reach mux at (the issuer must name it).
func (e *Entra) Register(mux *http.ServeMux, base string) {
	mux.HandleFunc("GET /"+e.Tenant+"/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"issuer":                 base + "/" + e.Tenant + "/v2.0",
			"authorization_endpoint": base + "/" + e.Tenant + "/oauth2/v2.0/authorize",
			"token_endpoint":         base + "/" + e.Tenant + "/oauth2/v2.0/token",
		})
	})
	e.mu.Lock()
	e.endpoint = base + "/" + e.Tenant + "/oauth2/v2.0/token"
	e.mu.Unlock()
	mux.HandleFunc("POST /"+e.Tenant+"/oauth2/v2.0/token", e.token)
}

// aadError is the shape of an Entra error answer.
func aadError(w http.ResponseWriter, status int, kind, code, text string) {
	writeJSON(w, status, map[string]any{"error": kind, "error_description": code + ": " + text, "error_codes": []string{strings.TrimPrefix(code, "AADSTS")}})
}

func (e *Entra) token(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		aadError(w, 400, "invalid_request", "AADSTS900144", "The request body must be form-encoded.")
		return
	}
	if err := r.ParseForm(); err != nil {
		aadError(w, 400, "invalid_request", "AADSTS900144", "The request body could not be read.")
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		aadError(w, 400, "unsupported_grant_type", "AADSTS70003", "The app requested an unsupported grant type.")
	case f.Get("client_id") != e.ClientID:
		aadError(w, 400, "unauthorized_client", "AADSTS700016", "Application with identifier '"+f.Get("client_id")+"' was not found in the directory.")
	case f.Get("client_assertion") != "":
		if !e.assertion(w, f) {
			return
		}
		e.issue(w, f)
	case f.Get("client_secret") == "":
		aadError(w, 401, "invalid_client", "AADSTS7000216", "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
	case e.Secret == "" || f.Get("client_secret") != e.Secret:
		aadError(w, 401, "invalid_client", "AADSTS7000215", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
	default:
		e.issue(w, f)
	}
}

// issue answers a token for the scope of f, once the client is
// authenticated.
func (e *Entra) issue(w http.ResponseWriter, f url.Values) {
	switch {
	case e.scopeOf(f.Get("scope")) == "":
		aadError(w, 400, "invalid_scope", "AADSTS70011", "The provided value for the input parameter 'scope' is not valid.")
	default:
		b := make([]byte, 16)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		e.mu.Lock()
		if e.issued == nil {
			e.issued = map[string]string{}
		}
		e.issued[tok] = e.scopeOf(f.Get("scope"))
		e.tokens++
		e.mu.Unlock()
		writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

// Authorized reports whether r bears a token this directory issued.
func (e *Entra) Authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	defer e.mu.Unlock()
	return ok && e.issued[tok] != ""
}

// AuthorizedFor reports whether r bears a token this directory issued
// for scope: a token for Resource Manager does not open Azure Monitor's
// batch API, as in Azure.
func (e *Entra) AuthorizedFor(r *http.Request, scope string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	defer e.mu.Unlock()
	return ok && e.issued[tok] == scope
}

// scopeOf is the scope of requested (space-separated) a token may be
// issued for, "" when none.
func (e *Entra) scopeOf(requested string) string {
	for _, s := range append([]string{e.Scope}, e.Scopes...) {
		if strings.Contains(" "+requested+" ", " "+s+" ") {
			return s
		}
	}
	return ""
}

// Tokens is how many tokens were issued.
func (e *Entra) Tokens() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokens
}

// ARMError writes an Azure Resource Manager error answer.
func ARMError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
