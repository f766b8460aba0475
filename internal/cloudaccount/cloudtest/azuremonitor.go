package cloudtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AzureMonitorAPIVersion is the only api-version the fake answers.
const AzureMonitorAPIVersion = "2023-10-01"

// AzureMonitor is Azure Monitor's metrics for one subscription: the batch
// API (POST …/subscriptions/{sub}/metrics:getBatch, served under
// /regions/{region} as the fake has one host) and Resource Manager's
// per-resource Microsoft.Insights/metrics. It enforces what Azure does:
// the bearer token and its audience, the api-version, 1 to 50 resource
// IDs of one region and namespace a batch call, 20 metric names a call,
// the grain and the window, split filters on known dimensions (top 10
// series unless top says more), and 429 with Retry-After when told to
// throttle. Every grain from the start to the end (the end's own
// included, as Azure answers) carries MetricValue, the grain still
// filling Partial of it.
type AzureMonitor struct {
	Entra        *Entra
	Subscription string
	ARMScope     string // the scope of Resource Manager tokens
	BatchScope   string // the scope of batch API tokens, e.g. https://metrics.monitor.azure.com/.default
	Now          func() time.Time
	// Value, when set, is the value of one grain of a series (resource ID,
	// metric, split value joined, grain start) instead of MetricValue: a
	// test's cloud where a tunnel is down or a database is busy. ok false
	// leaves the series without that grain, as Azure omits a silent one.
	Value func(resource, metric, split string, at time.Time) (v float64, ok bool)

	mu         sync.Mutex
	resources  map[string]AzureResource // by lower-case ID
	throttle   int
	retryAfter time.Duration
	calls      []AzureCall
}

// AzureResource is one resource the fake has metrics for.
type AzureResource struct {
	ID        string
	Namespace string // its type, e.g. Microsoft.Network/loadBalancers
	Region    string
	Splits    map[string][]string // dimension → its values, e.g. ConnectionName → [tunnel-a tunnel-b]
}

// AzureCall is one call the fake answered 200.
type AzureCall struct {
	API        string // getBatch or metrics
	Region     string
	Resources  []string
	Metrics    []string
	Start, End time.Time
}

// Add makes r known.
func (m *AzureMonitor) Add(r AzureResource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.resources == nil {
		m.resources = map[string]AzureResource{}
	}
	m.resources[strings.ToLower(r.ID)] = r
}

// Throttle makes the next n calls answer 429 with Retry-After after.
func (m *AzureMonitor) Throttle(n int, after time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.throttle, m.retryAfter = n, after
}

// Calls returns the calls answered so far.
func (m *AzureMonitor) Calls() []AzureCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]AzureCall(nil), m.calls...)
}

// RegisterBatch serves the batch API on mux.
func (m *AzureMonitor) RegisterBatch(mux *http.ServeMux) {
	mux.HandleFunc("POST /regions/{region}/subscriptions/{sub}/metrics:getBatch", m.batch)
}

// RegisterARM serves the per-resource metrics API on mux.
func (m *AzureMonitor) RegisterARM(mux *http.ServeMux) {
	mux.HandleFunc("GET /subscriptions/{sub}/resourceGroups/", m.arm)
}

// azureQuery is what both APIs were asked.
type azureQuery struct {
	namespace, aggregation string
	names                  []string
	grain                  time.Duration
	start, end             time.Time
	split                  []string
	top                    int
}

var splitRE = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)\s+eq\s+'\*'\s*$`)

// parse checks the parameters both APIs share.
func (m *AzureMonitor) parse(w http.ResponseWriter, r *http.Request, filterParam string) (*azureQuery, bool) {
	q := r.URL.Query()
	bad := func(code, msg string) (*azureQuery, bool) {
		ARMError(w, 400, code, msg)
		return nil, false
	}
	if v := q.Get("api-version"); v != AzureMonitorAPIVersion {
		return bad("UnsupportedApiVersion", fmt.Sprintf("The api-version '%s' is not supported by this fake; use %s.", v, AzureMonitorAPIVersion))
	}
	out := &azureQuery{namespace: q.Get("metricnamespace"), aggregation: strings.ToLower(q.Get("aggregation")), top: 10}
	if out.namespace == "" {
		return bad("BadRequest", "metricnamespace is required")
	}
	switch out.aggregation {
	case "average", "total", "maximum", "minimum", "count":
	default:
		return bad("BadRequest", fmt.Sprintf("Invalid aggregation '%s'", q.Get("aggregation")))
	}
	out.names = strings.Split(q.Get("metricnames"), ",")
	if q.Get("metricnames") == "" || len(out.names) > 20 {
		return bad("BadRequest", fmt.Sprintf("metricnames must name 1 to 20 metrics, not %d", len(out.names)))
	}
	grains := map[string]time.Duration{"PT1M": time.Minute, "PT5M": 5 * time.Minute, "PT15M": 15 * time.Minute, "PT30M": 30 * time.Minute, "PT1H": time.Hour}
	var ok bool
	if out.grain, ok = grains[q.Get("interval")]; !ok {
		return bad("BadRequest", fmt.Sprintf("Invalid interval '%s'", q.Get("interval")))
	}
	if f := q.Get(filterParam); f != "" {
		for _, part := range strings.Split(f, " and ") {
			sm := splitRE.FindStringSubmatch(part)
			if sm == nil {
				return bad("BadRequest", fmt.Sprintf("Invalid filter '%s'", f))
			}
			out.split = append(out.split, sm[1])
		}
	}
	if t := q.Get("top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return bad("BadRequest", "Invalid top")
		}
		out.top = n
	}
	return out, true
}

func (m *AzureMonitor) window(w http.ResponseWriter, q *azureQuery, start, end string) bool {
	var err1, err2 error
	q.start, err1 = time.Parse(time.RFC3339, start)
	q.end, err2 = time.Parse(time.RFC3339, end)
	if err1 != nil || err2 != nil || !q.start.Before(q.end) || q.end.Sub(q.start) > 24*time.Hour {
		ARMError(w, 400, "BadRequest", fmt.Sprintf("Invalid time range %s to %s", start, end))
		return false
	}
	return true
}

// throttled answers 429 while the fake is told to.
func (m *AzureMonitor) throttled(w http.ResponseWriter) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.throttle <= 0 {
		return false
	}
	m.throttle--
	w.Header().Set("Retry-After", strconv.Itoa(int(m.retryAfter/time.Second)))
	ARMError(w, 429, "TooManyRequests", "The request was throttled: too many requests for this subscription.")
	return true
}

func (m *AzureMonitor) batch(w http.ResponseWriter, r *http.Request) {
	if !m.Entra.AuthorizedFor(r, m.BatchScope) {
		ARMError(w, 401, "InvalidAuthenticationToken", "The access token is missing, invalid, or for another audience.")
		return
	}
	if m.throttled(w) {
		return
	}
	q, ok := m.parse(w, r, "filter")
	if !ok || !m.window(w, q, r.URL.Query().Get("starttime"), r.URL.Query().Get("endtime")) {
		return
	}
	if r.PathValue("sub") != m.Subscription {
		ARMError(w, 404, "SubscriptionNotFound", "The subscription '"+r.PathValue("sub")+"' could not be found.")
		return
	}
	var body struct {
		ResourceIDs []string `json:"resourceids"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(b, &body); err != nil || len(body.ResourceIDs) == 0 || len(body.ResourceIDs) > 50 {
		ARMError(w, 400, "BadRequest", fmt.Sprintf("The request body must name 1 to 50 resourceids, not %d.", len(body.ResourceIDs)))
		return
	}
	values := []map[string]any{}
	for _, id := range body.ResourceIDs {
		res, ok := m.resource(id)
		switch {
		case !ok:
			ARMError(w, 400, "BadRequest", "Resource "+id+" was not found.")
			return
		case !strings.EqualFold(res.Region, r.PathValue("region")):
			ARMError(w, 400, "BadRequest", fmt.Sprintf("Resource %s is in %s, not %s: a batch call takes one region.", id, res.Region, r.PathValue("region")))
			return
		case !strings.EqualFold(subscriptionOf(id), m.Subscription):
			ARMError(w, 400, "BadRequest", "Resource "+id+" is not in the subscription of the call.")
			return
		}
		metrics, err := m.series(res, q)
		if err != "" {
			ARMError(w, 400, "BadRequest", err)
			return
		}
		values = append(values, map[string]any{"starttime": q.start, "endtime": q.end, "interval": r.URL.Query().Get("interval"),
			"namespace": res.Namespace, "resourceregion": res.Region, "resourceid": res.ID, "value": metrics})
	}
	m.record(AzureCall{API: "getBatch", Region: r.PathValue("region"), Resources: body.ResourceIDs, Metrics: q.names, Start: q.start, End: q.end})
	writeJSON(w, 200, map[string]any{"values": values})
}

func (m *AzureMonitor) arm(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.URL.Path, "/providers/Microsoft.Insights/metrics")
	if !ok {
		ARMError(w, 404, "ResourceNotFound", "No route "+r.URL.Path)
		return
	}
	if !m.Entra.AuthorizedFor(r, m.ARMScope) {
		ARMError(w, 401, "InvalidAuthenticationToken", "The access token is missing, invalid, or for another audience.")
		return
	}
	if m.throttled(w) {
		return
	}
	q, ok := m.parse(w, r, "$filter")
	if !ok {
		return
	}
	start, end, _ := strings.Cut(r.URL.Query().Get("timespan"), "/")
	if !m.window(w, q, start, end) {
		return
	}
	res, found := m.resource(id)
	if !found || r.PathValue("sub") != m.Subscription {
		ARMError(w, 404, "ResourceNotFound", "The Resource '"+id+"' was not found.")
		return
	}
	metrics, err := m.series(res, q)
	if err != "" {
		ARMError(w, 400, "BadRequest", err)
		return
	}
	m.record(AzureCall{API: "metrics", Region: res.Region, Resources: []string{res.ID}, Metrics: q.names, Start: q.start, End: q.end})
	writeJSON(w, 200, map[string]any{"cost": len(q.names), "timespan": r.URL.Query().Get("timespan"), "interval": r.URL.Query().Get("interval"),
		"namespace": res.Namespace, "resourceregion": res.Region, "value": metrics})
}

func (m *AzureMonitor) resource(id string) (AzureResource, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.resources[strings.ToLower(id)]
	return r, ok
}

func (m *AzureMonitor) record(c AzureCall) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, c)
}

// series answers the metrics of q for res, or why it cannot.
func (m *AzureMonitor) series(res AzureResource, q *azureQuery) ([]map[string]any, string) {
	if !strings.EqualFold(res.Namespace, q.namespace) {
		return nil, fmt.Sprintf("Resource %s is not of the namespace %s.", res.ID, q.namespace)
	}
	// One series per combination of the split dimensions' values.
	combos := [][][2]string{nil}
	for _, d := range q.split {
		vals, ok := res.Splits[d]
		if !ok {
			return nil, fmt.Sprintf("Metric does not support requested dimension combination: %s", d)
		}
		var next [][][2]string
		for _, c := range combos {
			for _, v := range vals {
				next = append(next, append(append([][2]string(nil), c...), [2]string{d, v}))
			}
		}
		combos = next
	}
	sort.Slice(combos, func(i, j int) bool { return fmt.Sprint(combos[i]) < fmt.Sprint(combos[j]) })
	if len(combos) > q.top {
		combos = combos[:q.top]
	}
	now := m.Now()
	var out []map[string]any
	for _, name := range q.names {
		var ts []map[string]any
		for _, c := range combos {
			meta := []map[string]any{}
			split := ""
			for _, kv := range c {
				meta = append(meta, map[string]any{"name": map[string]string{"value": kv[0], "localizedValue": kv[0]}, "value": kv[1]})
				split += kv[1]
			}
			data := []map[string]any{}
			for _, t := range buckets(q.start, q.end, now, q.grain, true) {
				v := MetricValue(res.ID, name, split, t)
				if m.Value != nil {
					var ok bool
					if v, ok = m.Value(res.ID, name, split, t); !ok {
						continue
					}
				}
				if t.Add(q.grain).After(now) {
					v = Partial(v)
				}
				data = append(data, map[string]any{"timeStamp": t.UTC().Format(time.RFC3339), q.aggregation: v})
			}
			ts = append(ts, map[string]any{"metadatavalues": meta, "data": data})
		}
		out = append(out, map[string]any{"id": res.ID + "/providers/Microsoft.Insights/metrics/" + name, "type": "Microsoft.Insights/metrics",
			"name": map[string]string{"value": name, "localizedValue": name}, "unit": "Unspecified", "timeseries": ts, "errorCode": "Success"})
	}
	return out, ""
}

// subscriptionOf is the subscription in an ARM resource ID.
func subscriptionOf(id string) string {
	parts := strings.Split(strings.TrimPrefix(id, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}
