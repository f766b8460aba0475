package cloudtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AVDAPIVersion is the only Microsoft.DesktopVirtualization api-version
// the fake answers.
const AVDAPIVersion = "2024-04-03"

// AVD is Resource Manager's Azure Virtual Desktop host pools of one
// subscription: GET of a host pool and of its sessionHosts list. It
// enforces what Azure does: a Resource Manager token, the api-version, the
// subscription, 404 for an unknown pool, pages of PageSize hosts joined by
// an absolute nextLink carrying $skipToken, and 429 with Retry-After when
// told to throttle.
type AVD struct {
	Entra        *Entra
	Subscription string
	ARMScope     string // the scope of Resource Manager tokens
	PageSize     int    // hosts a page; 100 when 0

	mu         sync.Mutex
	pools      map[string]AVDHostPool // by lower-case ID
	throttle   int
	retryAfter time.Duration
	calls      []string
}

// AVDHostPool is one host pool and its session hosts.
type AVDHostPool struct {
	ID              string
	MaxSessionLimit int
	Hosts           []AVDSessionHost
}

// AVDSessionHost is one session host's properties as Azure lists them.
type AVDSessionHost struct {
	Name            string // e.g. avd-0.contoso.local
	Status          string // Available, Unavailable, Shutdown, NeedsAssistance, UpgradeFailed...
	Sessions        int
	AllowNewSession bool
	UpdateState     string // Initial, Pending, Started, Succeeded, Failed
}

// Set makes the host pool p known, or replaces its state.
func (a *AVD) Set(p AVDHostPool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pools == nil {
		a.pools = map[string]AVDHostPool{}
	}
	a.pools[strings.ToLower(p.ID)] = p
}

// Throttle makes the next n calls answer 429 with Retry-After after.
func (a *AVD) Throttle(n int, after time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttle, a.retryAfter = n, after
}

// Calls lists the calls answered 200, as "hostPool <id>" or
// "sessionHosts <id> <skipToken>".
func (a *AVD) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// Register serves the host pool and sessionHosts reads on mux.
func (a *AVD) Register(mux *http.ServeMux, base string) {
	const pool = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DesktopVirtualization/hostPools/{pool}"
	mux.HandleFunc("GET "+pool, func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, base, false) })
	mux.HandleFunc("GET "+pool+"/sessionHosts", func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, base, true) })
}

func (a *AVD) serve(w http.ResponseWriter, r *http.Request, base string, hosts bool) {
	if !a.Entra.AuthorizedFor(r, a.ARMScope) {
		ARMError(w, 401, "InvalidAuthenticationToken", "The access token is missing, invalid, or for another audience.")
		return
	}
	q := r.URL.Query()
	if v := q.Get("api-version"); v != AVDAPIVersion {
		ARMError(w, 400, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. Supported here: %s.", v, AVDAPIVersion))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.throttle > 0 {
		a.throttle--
		w.Header().Set("Retry-After", strconv.Itoa(int(a.retryAfter/time.Second)))
		ARMError(w, 429, "TooManyRequests", "The request was throttled: too many requests for this subscription.")
		return
	}
	if r.PathValue("sub") != a.Subscription {
		ARMError(w, 404, "SubscriptionNotFound", "The subscription '"+r.PathValue("sub")+"' could not be found.")
		return
	}
	id := strings.TrimSuffix(r.URL.Path, "/sessionHosts")
	p, ok := a.pools[strings.ToLower(id)]
	if !ok {
		ARMError(w, 404, "ResourceNotFound", "The Resource '"+id+"' was not found.")
		return
	}
	if !hosts {
		a.calls = append(a.calls, "hostPool "+p.ID)
		writeJSON(w, 200, map[string]any{"id": p.ID, "name": r.PathValue("pool"), "type": "Microsoft.DesktopVirtualization/hostpools",
			"properties": map[string]any{"hostPoolType": "Pooled", "loadBalancerType": "BreadthFirst", "maxSessionLimit": p.MaxSessionLimit}})
		return
	}
	size := a.PageSize
	if size <= 0 {
		size = 100
	}
	skip := 0
	if t := q.Get("$skipToken"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > len(p.Hosts) {
			ARMError(w, 400, "InvalidSkipToken", "The $skipToken '"+t+"' is invalid.")
			return
		}
		skip = n
	}
	a.calls = append(a.calls, fmt.Sprintf("sessionHosts %s %d", p.ID, skip))
	end := min(skip+size, len(p.Hosts))
	value := []map[string]any{}
	for _, h := range p.Hosts[skip:end] {
		value = append(value, map[string]any{
			"id":   p.ID + "/sessionHosts/" + h.Name,
			"name": r.PathValue("pool") + "/" + h.Name,
			"type": "Microsoft.DesktopVirtualization/hostpools/sessionhosts",
			"properties": map[string]any{"status": h.Status, "sessions": h.Sessions, "allowNewSession": h.AllowNewSession,
				"updateState": h.UpdateState, "agentVersion": "1.0.8431.2300", "osVersion": "10.0.22631.3296"},
		})
	}
	body := map[string]any{"value": value}
	if end < len(p.Hosts) {
		body["nextLink"] = base + p.ID + "/sessionHosts?api-version=" + AVDAPIVersion + "&$skipToken=" + strconv.Itoa(end)
	}
	writeJSON(w, 200, body)
}
