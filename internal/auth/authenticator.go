package auth

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
)

// ErrUnauthenticated means the request carried no valid credentials.
var ErrUnauthenticated = errors.New("missing or invalid credentials")

// Authenticator turns a request's credentials into a Principal. Tokens are
// cached briefly because remote-write requests arrive many times a second;
// revocation through this process drops the cache entry at once, and on
// PostgreSQL the cluster package drops it on every replica (Forget, on the
// database's notice) and turns the cache off while it cannot hear those
// notices (CacheTokens). Passwords are checked behind a throttle.Limiter,
// wherever they come from.
type Authenticator struct {
	store   *storage.Store
	limiter *throttle.Limiter
	ttl     time.Duration
	now     func() time.Time
	dummy   string // a hash to check unknown logins against, as slowly as known ones

	mu     sync.Mutex
	tokens map[string]cachedToken // hex hash -> token
	// touched is when this process last wrote a token's last_used_at: one
	// write a minute a token, however many requests miss the cache at once.
	touched map[int64]time.Time
	// gen counts the forgets: a token read from the database before a
	// forget is not cached after it, so a revocation cannot be undone by a
	// request that was in flight.
	gen uint64
	// uncached makes every token check read the database: set while a
	// replica cannot hear of revocations made by the others.
	uncached atomic.Bool
}

type cachedToken struct {
	token   *model.Token
	fetched time.Time
}

// NewAuthenticator returns an Authenticator over store whose password checks
// go through limiter; a nil limiter is one with throttle.DefaultPolicy.
func NewAuthenticator(store *storage.Store, limiter *throttle.Limiter) *Authenticator {
	if limiter == nil {
		limiter = throttle.New(throttle.DefaultPolicy, nil)
	}
	// Made here, not at package init: `unyo agent` links this package and
	// must not spend a bcrypt hash at every start.
	dummy, _ := HashPassword("unyo-dummy-password")
	return &Authenticator{store: store, limiter: limiter, ttl: 10 * time.Second, now: time.Now, tokens: map[string]cachedToken{}, touched: map[int64]time.Time{}, dummy: dummy}
}

// Authenticate reads a bearer token, or HTTP basic credentials (a user's login
// and password, or any user name with a token as the password, as Grafana sends).
func (a *Authenticator) Authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	if secret, ok := strings.CutPrefix(h, "Bearer "); ok {
		return a.token(r.Context(), strings.TrimSpace(secret))
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, ErrUnauthenticated
	}
	if IsToken(pass) {
		return a.token(r.Context(), pass)
	}
	return a.Password(r.Context(), user, pass, r.RemoteAddr)
}

// Password checks a user's login and password, sent from the address from
// (a host or host:port, as in http.Request.RemoteAddr). While the throttle
// holds for the login or the address it answers a *throttle.Refused at
// once, before any hash is computed, so a refused guess costs nothing.
func (a *Authenticator) Password(ctx context.Context, login, password, from string) (*Principal, error) {
	if refused := a.limiter.Check(login, from); refused != nil {
		slog.Default().Debug("auth: sign-in refused by the throttle", "login", login, "remote", from,
			"limit", refused.Limit, "retry_after_s", refused.Seconds())
		return nil, refused
	}
	u, err := a.store.UserByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) {
		// Spend the same time as a real check so logins cannot be enumerated.
		CheckPassword(a.dummy, password)
		a.failed(login, from)
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || !CheckPassword(u.PasswordHash, password) {
		a.failed(login, from)
		return nil, ErrUnauthenticated
	}
	a.limiter.Succeed(login, from)
	return UserPrincipal(u), nil
}

// failed counts a failed sign-in and logs the lock it starts, once per lock
// (the refusals during it are counted on /metrics, not logged one by one).
func (a *Authenticator) failed(login, from string) {
	if lock := a.limiter.Fail(login, from); lock != nil {
		slog.Default().Warn("auth: repeated sign-in failures, throttled", "login", login, "remote", from,
			"limit", lock.Limit, "locked_s", lock.Seconds())
	}
}

func (a *Authenticator) token(ctx context.Context, secret string) (*Principal, error) {
	if !IsToken(secret) {
		return nil, ErrUnauthenticated
	}
	hash := HashToken(secret)
	key := hex.EncodeToString(hash)
	now := a.now()
	a.mu.Lock()
	c, ok := a.tokens[key]
	gen, ttl := a.gen, a.ttl
	a.mu.Unlock()
	uncached := a.uncached.Load()
	if !ok || uncached || now.Sub(c.fetched) > ttl {
		t, err := a.store.TokenByHash(ctx, hash)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, ErrUnauthenticated
		}
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		// Every request that finds the cached entry expired reads the
		// token, and under load many do at once: only the first in a
		// minute writes last_used_at (a write waits for SQLite's lock and
		// an fsync; at 1,000 hosts these writes were most of them).
		a.mu.Lock()
		touch := (t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute) && now.Sub(a.touched[t.ID]) > time.Minute
		if touch {
			a.touched[t.ID] = now
		}
		a.mu.Unlock()
		if touch {
			a.store.TouchToken(ctx, t.ID, now)
			t.LastUsedAt = &now
		}
		c = cachedToken{token: t, fetched: now}
		a.mu.Lock()
		if a.gen == gen && !uncached {
			a.tokens[key] = c
		}
		a.mu.Unlock()
	}
	t := c.token
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return nil, ErrUnauthenticated
	}
	return TokenPrincipal(t), nil
}

// Forget drops a token from the cache, so a revocation takes effect at once.
func (a *Authenticator) Forget(tokenID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	for k, c := range a.tokens {
		if c.token.ID == tokenID {
			delete(a.tokens, k)
		}
	}
}

// ForgetTenant drops every cached token of a tenant, so deleting the tenant
// (whose tokens the database deletes with it) shuts them out at once.
func (a *Authenticator) ForgetTenant(tenant string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	for k, c := range a.tokens {
		if c.token.TenantID == tenant {
			delete(a.tokens, k)
		}
	}
}

// ForgetAll empties the cache, e.g. when revocations may have been missed.
func (a *Authenticator) ForgetAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	clear(a.tokens)
}

// CacheTokens turns the token cache on or off; off, each check reads the
// database and the cache is emptied. It is on from the start.
func (a *Authenticator) CacheTokens(on bool) {
	a.uncached.Store(!on)
	if !on {
		a.ForgetAll()
	}
}

// SetTokenTTL sets how long a cached token is trusted without reading the
// database again: the safety net under the revocation notices. The
// default is 10 s.
func (a *Authenticator) SetTokenTTL(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ttl = d
}
