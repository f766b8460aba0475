package model

import (
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Scope is one thing an API token may do.
type Scope string

// The scopes: ingest writes samples and events; read queries; write changes
// configuration; admin manages tokens and users; enroll registers hosts (an
// agent's --enroll), and nothing else; collect lets a collector (unyo agent
// --collector) pull the items it polls, with the devices' credentials (SNMP
// communities, v3 pass phrases) open, which an ordinary agent's token, copied
// to every host, must never read.
const (
	ScopeIngest  Scope = "ingest"
	ScopeRead    Scope = "read"
	ScopeWrite   Scope = "write"
	ScopeAdmin   Scope = "admin"
	ScopeEnroll  Scope = "enroll"
	ScopeCollect Scope = "collect"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeIngest, ScopeRead, ScopeWrite, ScopeAdmin, ScopeEnroll, ScopeCollect}

// Token is an API token for agents and automation. Only a hash of the secret is stored.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	TenantID   string     `json:"tenant"` // "" means every tenant (MSP automation)
	Scopes     []Scope    `json:"scopes"`
	Prefix     string     `json:"prefix"` // first characters of the secret, to recognise it
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// HostSelector limits an enroll token to hosts whose facts match it, in
	// the label-rule syntax of template assignments ("os=linux,cloud=azure");
	// empty: any host.
	HostSelector string `json:"host_selector,omitempty"`
	Hash         []byte `json:"-"`
}

// Validate reports the first field that is not acceptable.
func (t *Token) Validate() error {
	if err := requireName("name", t.Name); err != nil {
		return err
	}
	if len(t.Scopes) == 0 {
		return invalid.New("scopes", "must name at least one of ingest, read, write, admin, enroll, collect")
	}
	seen := map[Scope]bool{}
	for i, s := range t.Scopes {
		if !validScope(s) {
			return invalid.New("scopes", "[%d] %q is not one of ingest, read, write, admin, enroll, collect", i, s)
		}
		if seen[s] {
			return invalid.New("scopes", "%q is listed twice", s)
		}
		seen[s] = true
	}
	if t.TenantID == "" && seen[ScopeIngest] {
		return invalid.New("tenant", "is required for an ingest token: samples always belong to one tenant")
	}
	if t.TenantID == "" && seen[ScopeCollect] {
		return invalid.New("tenant", "is required for a collect token: a collector polls the devices of one tenant")
	}
	if seen[ScopeEnroll] {
		// An enrollment token is handed to installers and baked into
		// images: it must not also read or change anything.
		if len(t.Scopes) > 1 {
			return invalid.New("scopes", "an enroll token carries the enroll scope alone")
		}
		if t.TenantID == "" {
			return invalid.New("tenant", "is required for an enroll token: a host enrolls into one tenant")
		}
	}
	if t.HostSelector != "" && !seen[ScopeEnroll] {
		return invalid.New("host_selector", "applies to enroll tokens only")
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(time.Now()) {
		return invalid.New("expires_at", "is in the past")
	}
	return nil
}

// Has reports whether the token carries scope s.
func (t *Token) Has(s Scope) bool {
	for _, v := range t.Scopes {
		if v == s {
			return true
		}
	}
	return false
}

func validScope(s Scope) bool {
	for _, v := range AllScopes {
		if v == s {
			return true
		}
	}
	return false
}
