// Package discoverytest holds the contract fakes discovery is tested
// against: Azure Resource Graph and Resource Health behind Resource
// Manager (bearer tokens from cloudtest.Entra), and the AWS Resource
// Groups Tagging API and AWS Health (awsJson1_1, SigV4). Each enforces
// what the real service checks — path, api-version or target, auth,
// paging tokens, its error shapes — and can throttle as the service does
// (429 with Retry-After; ThrottlingException).
package discoverytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// Row is one resource as Resource Graph projects it.
type Row struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Type           string            `json:"type"`
	Location       string            `json:"location"`
	ResourceGroup  string            `json:"resourceGroup"`
	SubscriptionID string            `json:"subscriptionId"`
	Tags           map[string]string `json:"tags"`
	VMID           string            `json:"vmId,omitempty"` // virtual machines
}

// Availability is one resource's Resource Health status.
type Availability struct {
	ResourceID string
	State      string // Available, Unavailable, Degraded, Unknown
	Summary    string
}

// ServiceEvent is one Service Health event of the subscription.
type ServiceEvent struct {
	TrackingID string
	Type       string // ServiceIssue, PlannedMaintenance...
	Status     string // Active, Resolved
	Title      string
	Service    string
	Region     string
}

// ARM is Resource Manager for one subscription: Resource Graph's query
// endpoint and Resource Health's lists.
type ARM struct {
	Entra        *cloudtest.Entra
	Subscription string
	PageSize     int // Resource Graph rows per page; 1000 when 0

	mu         sync.Mutex
	rows       []Row
	statuses   []Availability
	events     []ServiceEvent
	throttle   int // the next this many requests answer 429
	retryAfter int
	calls      []string
	tokens     map[string]int // skipToken → the offset it continues at
}

// Register serves the fake on mux.
func (a *ARM) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /providers/Microsoft.ResourceGraph/resources", a.graph)
	mux.HandleFunc("GET /subscriptions/{sub}/providers/Microsoft.ResourceHealth/availabilityStatuses", a.availability)
	mux.HandleFunc("GET /subscriptions/{sub}/providers/Microsoft.ResourceHealth/events", a.serviceEvents)
}

// Set replaces the subscription's resources.
func (a *ARM) Set(rows ...Row) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rows = append([]Row(nil), rows...)
}

// Remove deletes the resource id, as its owner deleting it in the portal.
func (a *ARM) Remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rows = slices.DeleteFunc(a.rows, func(r Row) bool { return strings.EqualFold(r.ID, id) })
}

// Health sets Resource Health's statuses and the Service Health events.
func (a *ARM) Health(statuses []Availability, events []ServiceEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.statuses, a.events = statuses, events
}

// Throttle makes the next n requests answer 429 with Retry-After seconds.
func (a *ARM) Throttle(n, retryAfter int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttle, a.retryAfter = n, retryAfter
}

// Calls lists the requests served, as "METHOD path" or "429 path".
func (a *ARM) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// admit checks what every ARM request must carry, and throttles; false
// means the answer is written.
func (a *ARM) admit(w http.ResponseWriter, r *http.Request, apiVersion string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.Entra.Authorized(r) {
		cloudtest.ARMError(w, 401, "InvalidAuthenticationToken", "The access token is invalid.")
		return false
	}
	if v := r.URL.Query().Get("api-version"); v != apiVersion {
		cloudtest.ARMError(w, 400, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", v, apiVersion))
		return false
	}
	if a.throttle > 0 {
		a.throttle--
		a.calls = append(a.calls, "429 "+r.URL.Path)
		w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
		cloudtest.ARMError(w, 429, "RateLimiting", "Please provide below info when asking for support: timestamp = …, correlationId = …. Details: Too many requests. Please retry.")
		return false
	}
	a.calls = append(a.calls, r.Method+" "+r.URL.Path)
	return true
}

var typeList = regexp.MustCompile(`^Resources \| where type in~ \(([^)]*)\)`)

func (a *ARM) graph(w http.ResponseWriter, r *http.Request) {
	if !a.admit(w, r, "2022-10-01") {
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		cloudtest.ARMError(w, 415, "UnsupportedMediaType", "The content media type is not supported.")
		return
	}
	var req struct {
		Subscriptions []string `json:"subscriptions"`
		Query         string   `json:"query"`
		Options       struct {
			ResultFormat string `json:"resultFormat"`
			Top          int    `json:"$top"`
			SkipToken    string `json:"$skipToken"`
		} `json:"options"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		cloudtest.ARMError(w, 400, "BadRequest", "The request content was invalid and could not be deserialized.")
		return
	}
	m := typeList.FindStringSubmatch(req.Query)
	switch {
	case len(req.Subscriptions) != 1 || req.Subscriptions[0] != a.Subscription:
		cloudtest.ARMError(w, 403, "AuthorizationFailed", fmt.Sprintf("The client does not have authorization over subscriptions %v.", req.Subscriptions))
		return
	case m == nil:
		cloudtest.ARMError(w, 400, "BadRequest", "Please provide below info when asking for support: … Query is invalid.")
		return
	case req.Options.ResultFormat != "objectArray":
		cloudtest.ARMError(w, 400, "BadRequest", "resultFormat must be objectArray for this fake")
		return
	case req.Options.Top < 1 || req.Options.Top > 1000:
		cloudtest.ARMError(w, 400, "BadRequest", "$top must be between 1 and 1000")
		return
	}
	var types []string
	for _, t := range strings.Split(m[1], ",") {
		types = append(types, strings.Trim(strings.TrimSpace(t), "'"))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var match []Row
	for _, row := range a.rows {
		if slices.ContainsFunc(types, func(t string) bool { return strings.EqualFold(t, row.Type) }) {
			match = append(match, row)
		}
	}
	slices.SortFunc(match, func(x, y Row) int { return strings.Compare(strings.ToLower(x.ID), strings.ToLower(y.ID)) })
	start := 0
	if tok := req.Options.SkipToken; tok != "" {
		off, ok := a.tokens[tok]
		if !ok {
			cloudtest.ARMError(w, 400, "BadRequest", "The $skipToken is invalid.")
			return
		}
		start = off
	}
	size := min(req.Options.Top, a.pageSize())
	end := min(start+size, len(match))
	page := map[string]any{"totalRecords": len(match), "count": end - start, "data": nonNil(match[min(start, len(match)):end]), "facets": []any{}, "resultTruncated": "false"}
	if end < len(match) {
		if a.tokens == nil {
			a.tokens = map[string]int{}
		}
		tok := fmt.Sprintf("ew0KICAiJGlkIjogIjEiLA0K%d", len(a.tokens)+1)
		a.tokens[tok] = end
		page["$skipToken"] = tok
	}
	writeJSON(w, page)
}

func (a *ARM) pageSize() int {
	if a.PageSize > 0 {
		return a.PageSize
	}
	return 1000
}

func nonNil(rows []Row) []Row {
	if rows == nil {
		return []Row{}
	}
	return rows
}

// subscription checks the path's subscription; false means the answer is
// written.
func (a *ARM) subscription(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("sub") != a.Subscription {
		cloudtest.ARMError(w, 404, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", r.PathValue("sub")))
		return false
	}
	return true
}

// availability serves one status a page, so nextLink paging is exercised.
func (a *ARM) availability(w http.ResponseWriter, r *http.Request) {
	if !a.admit(w, r, "2022-10-01") || !a.subscription(w, r) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	i, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	var value []any
	if i < len(a.statuses) {
		s := a.statuses[i]
		value = append(value, map[string]any{
			"id":   s.ResourceID + "/providers/Microsoft.ResourceHealth/availabilityStatuses/current",
			"name": "current", "type": "Microsoft.ResourceHealth/AvailabilityStatuses",
			"properties": map[string]any{"availabilityState": s.State, "summary": s.Summary, "reasonType": "Unplanned", "occuredTime": "2026-12-07T01:00:00Z"},
		})
	}
	page := map[string]any{"value": nonNilAny(value)}
	if i+1 < len(a.statuses) {
		scheme := "https://"
		if r.TLS == nil {
			scheme = "http://"
		}
		page["nextLink"] = scheme + r.Host + r.URL.Path + "?api-version=2022-10-01&$skiptoken=" + strconv.Itoa(i+1)
	}
	writeJSON(w, page)
}

func (a *ARM) serviceEvents(w http.ResponseWriter, r *http.Request) {
	if !a.admit(w, r, "2022-10-01") || !a.subscription(w, r) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var value []any
	for _, e := range a.events {
		value = append(value, map[string]any{
			"name": e.TrackingID, "type": "/providers/Microsoft.ResourceHealth/events",
			"properties": map[string]any{"eventType": e.Type, "status": e.Status, "title": e.Title, "summary": "<p>" + e.Title + "</p>",
				"level": "Error", "impactStartTime": "2026-12-07T00:30:00Z",
				"impact": []any{map[string]any{"impactedService": e.Service, "impactedRegions": []any{map[string]any{"impactedRegion": e.Region}}}}},
		})
	}
	writeJSON(w, map[string]any{"value": nonNilAny(value)})
}

func nonNilAny(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
