package monitoring

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Attempt is an agent that pulled its configuration as a host its tenant
// does not have: what the console offers to register.
type Attempt struct {
	Host   string    `json:"host"`
	Remote string    `json:"remote"` // the address the last pull came from
	Count  int       `json:"count"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// Bounds of the record of attempts: it lives in memory, so an agent
// looping with random host names cannot grow it without limit. A server
// restart forgets it; the agent's next pull (every minute) records it again.
const (
	maxAttemptHosts   = 50             // per tenant, the least recent dropped first
	maxAttemptTenants = 10000          // beyond it, attempts of new tenants are not kept
	attemptTTL        = 24 * time.Hour // an attempt older than this is not shown
)

// attempts is the record of unregistered hosts' pulls, by tenant.
type attempts struct {
	mu sync.Mutex
	by map[string]map[string]*Attempt
}

// NoteUnregistered records that an agent of tenant pulled its
// configuration as host, which the tenant has no resource for.
func (s *Store) NoteUnregistered(tenant, host, remote string, at time.Time) {
	if len(host) > maxTextLen {
		host = host[:maxTextLen]
	}
	a := &s.unregistered
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.by == nil {
		a.by = map[string]map[string]*Attempt{}
	}
	hosts := a.by[tenant]
	if hosts == nil {
		if len(a.by) >= maxAttemptTenants {
			return
		}
		hosts = map[string]*Attempt{}
		a.by[tenant] = hosts
	}
	if e := hosts[host]; e != nil {
		e.Count, e.Last, e.Remote = e.Count+1, at, remote
		return
	}
	if len(hosts) >= maxAttemptHosts {
		var oldest *Attempt
		for _, e := range hosts {
			if oldest == nil || e.Last.Before(oldest.Last) {
				oldest = e
			}
		}
		delete(hosts, oldest.Host)
	}
	hosts[host] = &Attempt{Host: host, Remote: remote, Count: 1, First: at, Last: at}
}

// Unregistered returns the tenant's hosts that tried to pull their
// configuration since now-24h and are still not resources, most recent first.
func (s *Store) Unregistered(tenant string, registered func(host string) bool, now time.Time) []Attempt {
	a := &s.unregistered
	a.mu.Lock()
	var out []Attempt
	for name, e := range a.by[tenant] {
		switch {
		case now.Sub(e.Last) > attemptTTL:
			delete(a.by[tenant], name)
		default:
			out = append(out, *e)
		}
	}
	a.mu.Unlock()
	// Registered since: not offered again (and forgotten at its next miss).
	out = slices.DeleteFunc(out, func(e Attempt) bool { return registered(e.Host) })
	slices.SortFunc(out, func(x, y Attempt) int {
		if c := y.Last.Compare(x.Last); c != 0 {
			return c
		}
		return strings.Compare(x.Host, y.Host)
	})
	return out
}
