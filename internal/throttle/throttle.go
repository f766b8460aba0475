// Package throttle slows password guessing: it counts failed sign-ins per
// (account, address) pair, per source address and per account, and refuses
// further attempts for an exponentially growing while, before any password
// hash is computed, so a refused guess costs the server nothing.
//
// The pair limit does most of the work: it stops one address guessing one
// account, and never touches anyone else. The address limit stops one
// address spraying many accounts. The account limit stops many addresses
// guessing one account, but it is short and capped, and it does not apply to
// an address the account has signed in from before, so an attacker who knows
// an admin's login cannot keep that admin out.
package throttle

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Rule is the back-off of one kind of key: from its After-th failure on,
// every failure locks the key for Base, doubling each time, at most Max.
type Rule struct {
	After int
	Base  time.Duration
	Max   time.Duration
}

// lock is how long a key with n failures stays locked after the last one.
func (r Rule) lock(n int) time.Duration {
	over := n - r.After
	if over < 0 {
		return 0
	}
	if over > 30 {
		return r.Max
	}
	d := r.Base << over
	if d <= 0 || d > r.Max {
		return r.Max
	}
	return d
}

// Policy is the whole throttling policy. docs/security.md states these numbers.
type Policy struct {
	Pair    Rule // one account from one address
	Address Rule // any account from one address
	Account Rule // one account from any address not yet trusted for it
	// Forget drops the failures of a key this long after its last failure
	// once it is no longer locked.
	Forget time.Duration
	// Trust is how long an address an account signed in from stays exempt
	// from that account's lock.
	Trust time.Duration
	// MaxKeys bounds the memory of each table; the oldest entries go first.
	MaxKeys int
}

// DefaultPolicy is what `unyo server` runs with.
var DefaultPolicy = Policy{
	Pair:    Rule{After: 5, Base: time.Second, Max: 15 * time.Minute},
	Address: Rule{After: 20, Base: time.Second, Max: 15 * time.Minute},
	Account: Rule{After: 20, Base: time.Second, Max: 30 * time.Second},
	Forget:  time.Hour,
	Trust:   30 * 24 * time.Hour,
	MaxKeys: 100_000,
}

// Refused is the answer to an attempt made while a limit holds.
type Refused struct {
	Limit      string        // "pair", "address" or "account"
	RetryAfter time.Duration // whole seconds, at least one
}

func (e *Refused) Error() string {
	return fmt.Sprintf("too many failed sign-ins (%s limit): retry after %d s", e.Limit, int(e.RetryAfter/time.Second))
}

// Seconds is RetryAfter as the value of a Retry-After header.
func (e *Refused) Seconds() string { return fmt.Sprint(int(e.RetryAfter / time.Second)) }

// HTTPStatus, LimitName and RetryAfterHeader make a refusal a
// response.OverLimit: the API answers 429 with Retry-After.
func (e *Refused) HTTPStatus() int { return http.StatusTooManyRequests }

// LimitName names the sign-in limit that held, e.g. "signin_pair".
func (e *Refused) LimitName() string { return "signin_" + e.Limit }

// RetryAfterHeader is the value of the Retry-After header.
func (e *Refused) RetryAfterHeader() string { return e.Seconds() }

type entry struct {
	failures int
	last     time.Time
	until    time.Time
}

// Limiter keeps the failure counts in memory: a restart forgets them, which
// costs an attacker a restart they cannot cause.
type Limiter struct {
	policy Policy
	now    func() time.Time

	mu       sync.Mutex
	pairs    map[string]*entry
	addrs    map[string]*entry
	accounts map[string]*entry
	trusted  map[string]time.Time // pair key -> last successful sign-in

	failures  prometheus.Counter
	throttled *prometheus.CounterVec
}

// New returns a Limiter with policy; now is the clock (time.Now when nil).
// The Limiter is a prometheus.Collector of its counters, which carry no
// tenant or account labels.
func New(policy Policy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{policy: policy, now: now,
		pairs: map[string]*entry{}, addrs: map[string]*entry{}, accounts: map[string]*entry{}, trusted: map[string]time.Time{},
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "unyo_signin_failures_total",
			Help: "Sign-ins refused for a wrong login or password, console and API basic auth."}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_signin_throttled_total",
			Help: "Sign-in attempts refused with 429 before the password was checked, by the limit that held."}, []string{"limit"}),
	}
}

// Check refuses an attempt to sign in to account from addr (a host or
// host:port) while one of the limits holds; it returns nil otherwise.
func (l *Limiter) Check(account, addr string) *Refused {
	acc, ad := accountKey(account), AddressKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	type held struct {
		limit string
		e     *entry
	}
	checks := []held{{"pair", l.pairs[acc+"\x00"+ad]}, {"address", l.addrs[ad]}}
	if t, ok := l.trusted[acc+"\x00"+ad]; !ok || now.Sub(t) > l.policy.Trust {
		checks = append(checks, held{"account", l.accounts[acc]})
	}
	var worst *Refused
	for _, c := range checks {
		if c.e == nil || !now.Before(c.e.until) {
			continue
		}
		wait := time.Duration(math.Ceil(c.e.until.Sub(now).Seconds())) * time.Second
		if worst == nil || wait > worst.RetryAfter {
			worst = &Refused{Limit: c.limit, RetryAfter: wait}
		}
	}
	if worst != nil {
		l.throttled.WithLabelValues(worst.Limit).Inc()
	}
	return worst
}

// Fail records a failed sign-in to account from addr. It returns the
// longest lock the failure started, or nil: a caller logs each lock once,
// rather than each refused attempt, which an attacker could multiply.
func (l *Limiter) Fail(account, addr string) *Refused {
	acc, ad := accountKey(account), AddressKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures.Inc()
	var longest *Refused
	for _, b := range []struct {
		limit string
		m     map[string]*entry
		key   string
		rule  Rule
	}{{"pair", l.pairs, acc + "\x00" + ad, l.policy.Pair}, {"address", l.addrs, ad, l.policy.Address}, {"account", l.accounts, acc, l.policy.Account}} {
		if d := l.bump(b.m, b.key, b.rule, now); d > 0 && (longest == nil || d > longest.RetryAfter) {
			longest = &Refused{Limit: b.limit, RetryAfter: d}
		}
	}
	return longest
}

// Succeed records a sign-in: the pair starts afresh, and the address is
// trusted for the account. The address's count stays, so a valid account of
// one's own cannot wash away guesses at others; the account's count stays
// too, so an admin's frequent sign-ins do not give guessers fresh tries.
func (l *Limiter) Succeed(account, addr string) {
	acc, ad := accountKey(account), AddressKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, acc+"\x00"+ad)
	if len(l.trusted) >= l.policy.MaxKeys {
		for k, t := range l.trusted {
			if now.Sub(t) > l.policy.Trust || len(l.trusted) >= l.policy.MaxKeys {
				delete(l.trusted, k)
			}
		}
	}
	l.trusted[acc+"\x00"+ad] = now
}

// bump counts a failure of key and returns the lock it started, if any.
func (l *Limiter) bump(m map[string]*entry, key string, r Rule, now time.Time) time.Duration {
	e := m[key]
	if e == nil {
		if len(m) >= l.policy.MaxKeys {
			l.sweep(m, now)
		}
		e = &entry{}
		m[key] = e
	} else if now.Sub(e.last) > l.policy.Forget && !now.Before(e.until) {
		*e = entry{}
	}
	e.failures++
	e.last = now
	d := r.lock(e.failures)
	if d > 0 {
		e.until = now.Add(d)
	}
	return d
}

// sweep makes room in a full table: forgotten entries first, then the ones
// whose last failure is oldest.
func (l *Limiter) sweep(m map[string]*entry, now time.Time) {
	for k, e := range m {
		if now.Sub(e.last) > l.policy.Forget && !now.Before(e.until) {
			delete(m, k)
		}
	}
	for len(m) >= l.policy.MaxKeys {
		var oldest string
		var at time.Time
		for k, e := range m {
			if oldest == "" || e.last.Before(at) {
				oldest, at = k, e.last
			}
		}
		delete(m, oldest)
	}
}

// Describe implements prometheus.Collector.
func (l *Limiter) Describe(ch chan<- *prometheus.Desc) {
	l.failures.Describe(ch)
	l.throttled.Describe(ch)
}

// Collect implements prometheus.Collector.
func (l *Limiter) Collect(ch chan<- prometheus.Metric) {
	l.failures.Collect(ch)
	l.throttled.Collect(ch)
}

// accountKey folds case and bounds the length, so "Admin" and "admin " are
// one account to the limiter and a long name costs no memory.
func accountKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

// AddressKey is the source an address counts as: the IPv4 address, or the
// /64 network of an IPv6 address, since one IPv6 host is given a whole /64.
// A port, as in http.Request.RemoteAddr, is dropped.
func AddressKey(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
