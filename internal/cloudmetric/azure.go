package cloudmetric

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// Azure Monitor's metrics APIs, as this source speaks them.
const (
	AzureAPIVersion = "2023-10-01" // both the batch API and Microsoft.Insights/metrics
	// DefaultAzureBatchEndpoint is the public cloud's batch metrics host;
	// {region} is the resources' region.
	DefaultAzureBatchEndpoint = "https://{region}.metrics.monitor.azure.com"
	// DefaultAzureBatchAudience is what its tokens are issued for.
	DefaultAzureBatchAudience = "https://metrics.monitor.azure.com"
	// The limits of one call: resources per batch call, metric names per call.
	AzureBatchResources = 50
	AzureCallMetrics    = 20
)

// Azure reads Azure Monitor platform metrics: through the batch API
// (metrics:getBatch, 50 resources of one subscription, region and
// namespace a call) where it is set, else through the per-resource
// Microsoft.Insights/metrics API of Resource Manager.
type Azure struct {
	client *http.Client
	// BatchEndpoint is the batch API's base URL, {region} standing for
	// the region; "" uses the per-resource API only. The default public
	// endpoint is used only for accounts of the public cloud (no Resource
	// Manager override); another value applies to every account.
	BatchEndpoint string
	BatchAudience string // the token audience of the batch API

	mu    sync.Mutex
	conns map[int64]*azureConn
}

type azureConn struct {
	updated    time.Time
	az         cloudaccount.Azure
	arm, batch runtime.Pipeline
	rm         string
	noBatch    map[string]time.Time // region → until: the batch API answered 404 there
}

// NewAzure returns the Azure source; its calls go through client (the
// outbound policy's in the server).
func NewAzure(client *http.Client) *Azure {
	return &Azure{client: client, BatchEndpoint: DefaultAzureBatchEndpoint, BatchAudience: DefaultAzureBatchAudience, conns: map[int64]*azureConn{}}
}

// conn returns the account's pipelines, built again when the account
// changed (a rotated secret) and kept otherwise with their tokens.
func (a *Azure) conn(acc *cloudaccount.Account) (*azureConn, error) {
	if acc.Azure == nil {
		return nil, fmt.Errorf("cloudmetric: account %d is not an Azure account", acc.ID)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.conns[acc.ID]; ok && c.updated.Equal(acc.UpdatedAt) && c.az == *acc.Azure {
		return c, nil
	}
	az, err := connect.ForAzure(acc.Azure, a.client)
	if err != nil {
		return nil, err
	}
	armpl, err := armruntime.NewPipeline("unyo-cloudmetric", "v1", az.Credential, runtime.PipelineOptions{},
		&arm.ClientOptions{ClientOptions: az.Options.ClientOptions, DisableRPRegistration: true})
	if err != nil {
		return nil, fmt.Errorf("cloudmetric: azure pipeline: %w", err)
	}
	aud := strings.TrimRight(a.BatchAudience, "/")
	batch := runtime.NewPipeline("unyo-cloudmetric", "v1", runtime.PipelineOptions{
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(az.Credential, []string{aud + "/.default"}, nil)},
	}, &az.Options.ClientOptions)
	c := &azureConn{updated: acc.UpdatedAt, az: *acc.Azure, arm: armpl, batch: batch, rm: strings.TrimRight(az.Endpoint, "/"), noBatch: map[string]time.Time{}}
	a.conns[acc.ID] = c
	return c, nil
}

// batchEndpoint is the batch API's base URL for the account in region, or
// "" when the per-resource API is to be used.
func (a *Azure) batchEndpoint(c *azureConn, region string) string {
	if a.BatchEndpoint == "" || region == "" {
		return ""
	}
	if a.BatchEndpoint == DefaultAzureBatchEndpoint && c.az.ResourceManager != "" && !strings.EqualFold(strings.TrimRight(c.az.ResourceManager, "/"), "https://management.azure.com") {
		return "" // a sovereign cloud has its own metrics host
	}
	a.mu.Lock()
	until, off := c.noBatch[region]
	a.mu.Unlock()
	if off && time.Now().Before(until) {
		return ""
	}
	return strings.TrimRight(strings.ReplaceAll(a.BatchEndpoint, "{region}", region), "/")
}

// azureGroup is queries one call can carry: one subscription, region,
// namespace, aggregation, split and grain.
type azureGroup struct {
	sub, region, namespace, aggregation, split string
	grain                                      time.Duration
	resources                                  []string // resource IDs, in order
	metrics                                    []string // metric names, in order
	index                                      map[[2]string]int
	seen                                       map[string]bool // lower-case IDs and "\x00"+names already listed
	start, end                                 time.Time
}

// Fetch implements Source.
func (a *Azure) Fetch(ctx context.Context, acc *cloudaccount.Account, queries []Query, st *Stats) ([]Result, error) {
	c, err := a.conn(acc)
	if err != nil {
		return nil, err
	}
	groups := groupAzure(acc, queries)
	points := map[int][]Point{}
	var errs []error
	var avd []int
	for i, q := range queries {
		if avdQuery(q) {
			avd = append(avd, i)
		}
	}
	if len(avd) > 0 {
		err := a.fetchAVD(ctx, c, queries, avd, st, points)
		if throttled(err) != nil {
			return collect(points), err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, g := range groups {
		for m := 0; m < len(g.metrics); m += AzureCallMetrics {
			names := g.metrics[m:min(m+AzureCallMetrics, len(g.metrics))]
			for r := 0; r < len(g.resources); r += AzureBatchResources {
				ids := g.resources[r:min(r+AzureBatchResources, len(g.resources))]
				err := a.read(ctx, c, g, names, ids, st, points)
				if throttled(err) != nil {
					return collect(points), err
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return collect(points), errors.Join(errs...)
}

// read asks for names of ids over the group's window, through the batch
// API when it is there.
func (a *Azure) read(ctx context.Context, c *azureConn, g *azureGroup, names, ids []string, st *Stats, into map[int][]Point) error {
	if ep := a.batchEndpoint(c, g.region); ep != "" {
		err := a.readBatch(ctx, c, ep, g, names, ids, st, into)
		var re *azcore.ResponseError
		var dns *net.DNSError
		if !(errors.As(err, &re) && re.StatusCode == http.StatusNotFound) && !errors.As(err, &dns) {
			return err
		}
		// No batch API in this region or cloud: per resource, for an hour.
		a.mu.Lock()
		c.noBatch[g.region] = time.Now().Add(time.Hour)
		a.mu.Unlock()
	}
	var errs []error
	for _, id := range ids {
		err := a.readARM(ctx, c, g, names, id, st, into)
		if throttled(err) != nil {
			return err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// params are the query parameters both APIs share.
func (g *azureGroup) params(names []string) url.Values {
	q := url.Values{
		"api-version":     {AzureAPIVersion},
		"metricnamespace": {g.namespace},
		"metricnames":     {strings.Join(names, ",")},
		"interval":        {isoDuration(g.grain)},
		"aggregation":     {g.aggregation},
	}
	return q
}

func (a *Azure) readBatch(ctx context.Context, c *azureConn, ep string, g *azureGroup, names, ids []string, st *Stats, into map[int][]Point) error {
	q := g.params(names)
	q.Set("starttime", g.start.UTC().Format(time.RFC3339))
	q.Set("endtime", g.end.UTC().Format(time.RFC3339))
	if g.split != "" {
		q.Set("filter", g.split)
		q.Set("top", "1000") // the API's default keeps 10 tunnels
	}
	req, err := runtime.NewRequest(ctx, http.MethodPost, ep+"/subscriptions/"+url.PathEscape(g.sub)+"/metrics:getBatch?"+q.Encode())
	if err != nil {
		return fmt.Errorf("cloudmetric: azure batch: %w", err)
	}
	if err := runtime.MarshalAsJSON(req, map[string][]string{"resourceids": ids}); err != nil {
		return fmt.Errorf("cloudmetric: azure batch: %w", err)
	}
	st.call("getBatch", len(names)*len(ids))
	var body struct {
		Values []struct {
			ResourceID string        `json:"resourceid"`
			Value      []azureMetric `json:"value"`
		} `json:"values"`
	}
	if err := do(c.batch, req, &body); err != nil {
		return fmt.Errorf("cloudmetric: azure batch %s: %w", g.namespace, err)
	}
	for _, v := range body.Values {
		g.take(v.ResourceID, v.Value, into)
	}
	return nil
}

func (a *Azure) readARM(ctx context.Context, c *azureConn, g *azureGroup, names []string, id string, st *Stats, into map[int][]Point) error {
	q := g.params(names)
	q.Set("timespan", g.start.UTC().Format(time.RFC3339)+"/"+g.end.UTC().Format(time.RFC3339))
	if g.split != "" {
		q.Set("$filter", g.split)
		q.Set("top", "1000")
	}
	u := &url.URL{Path: id + "/providers/Microsoft.Insights/metrics", RawQuery: q.Encode()}
	req, err := runtime.NewRequest(ctx, http.MethodGet, c.rm+u.String())
	if err != nil {
		return fmt.Errorf("cloudmetric: azure metrics: %w", err)
	}
	st.call("metrics", len(names))
	var body struct {
		Value []azureMetric `json:"value"`
	}
	if err := do(c.arm, req, &body); err != nil {
		return fmt.Errorf("cloudmetric: azure metrics of %s: %w", id, err)
	}
	g.take(id, body.Value, into)
	return nil
}

// do sends req and decodes a 200 answer into out; a 429 is a
// *ThrottledError with the Retry-After it carried.
func do(pl runtime.Pipeline, req *policy.Request, out any) error {
	resp, err := pl.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e := runtime.NewResponseError(resp)
		return &ThrottledError{RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()), Message: e.Error()}
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return runtime.NewResponseError(resp)
	}
	return runtime.UnmarshalAsJSON(resp, out)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	const most = time.Hour // a longer pause is a provider's mistake, not a plan
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(time.Duration(min(s, int(most/time.Second)))*time.Second, most)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), most)
	}
	return 0
}

// azureMetric is one metric of one resource in either API's answer.
type azureMetric struct {
	Name struct {
		Value string `json:"value"`
	} `json:"name"`
	Timeseries []struct {
		Metadatavalues []struct {
			Name struct {
				Value string `json:"value"`
			} `json:"name"`
			Value string `json:"value"`
		} `json:"metadatavalues"`
		Data []azureDatum `json:"data"`
	} `json:"timeseries"`
}

type azureDatum struct {
	TimeStamp                               time.Time `json:"timeStamp"`
	Average, Total, Maximum, Minimum, Count *float64
}

func (d azureDatum) value(aggregation string) *float64 {
	switch strings.ToLower(aggregation) {
	case "average":
		return d.Average
	case "total":
		return d.Total
	case "maximum":
		return d.Maximum
	case "minimum":
		return d.Minimum
	case "count":
		return d.Count
	}
	return nil
}

// take adds the points of one resource's metrics to their queries.
func (g *azureGroup) take(resourceID string, metrics []azureMetric, into map[int][]Point) {
	for _, m := range metrics {
		qi, ok := g.index[[2]string{strings.ToLower(resourceID), strings.ToLower(m.Name.Value)}]
		if !ok {
			continue
		}
		for _, ts := range m.Timeseries {
			var labels []sample.Label
			for _, mv := range ts.Metadatavalues {
				labels = append(labels, sample.Label{Name: cloudtype.LabelName(mv.Name.Value), Value: mv.Value})
			}
			for _, d := range ts.Data {
				v := d.value(g.aggregation)
				if v == nil {
					continue // no value in this grain (yet)
				}
				into[qi] = append(into[qi], Point{Labels: labels, TimeMs: d.TimeStamp.UnixMilli(), Value: *v})
			}
		}
	}
}

// groupAzure puts the queries into groups one call can carry.
func groupAzure(acc *cloudaccount.Account, queries []Query) []*azureGroup {
	byKey := map[string]*azureGroup{}
	var order []*azureGroup
	for i, q := range queries {
		if avdQuery(q) {
			continue // not Azure Monitor's
		}
		sub := subscriptionOf(q.Resource.ID)
		if sub == "" {
			sub = acc.Azure.SubscriptionID
		}
		split := ""
		for j, d := range q.Metric.Split {
			if j > 0 {
				split += " and "
			}
			split += d + " eq '*'"
		}
		ns := q.Resource.Type.Namespace
		if ns == "" {
			ns = q.Resource.Type.Name
		}
		grain := q.Grain()
		k := strings.ToLower(strings.Join([]string{sub, q.Resource.Region, ns, q.Metric.Aggregation, split, grain.String()}, "\x00"))
		g := byKey[k]
		if g == nil {
			g = &azureGroup{sub: sub, region: q.Resource.Region, namespace: ns, aggregation: q.Metric.Aggregation, split: split, grain: grain,
				index: map[[2]string]int{}, seen: map[string]bool{}, start: q.Start, end: q.End}
			byKey[k] = g
			order = append(order, g)
		}
		id, name := strings.ToLower(q.Resource.ID), strings.ToLower(q.Metric.Name)
		if !g.seen[id] {
			g.seen[id] = true
			g.resources = append(g.resources, q.Resource.ID)
		}
		if !g.seen["\x00"+name] {
			g.seen["\x00"+name] = true
			g.metrics = append(g.metrics, q.Metric.Name)
		}
		g.index[[2]string{id, name}] = i
		if q.Start.Before(g.start) {
			g.start = q.Start
		}
		if q.End.After(g.end) {
			g.end = q.End
		}
	}
	return order
}

// subscriptionOf is the subscription in an ARM resource ID.
func subscriptionOf(id string) string {
	parts := strings.Split(strings.TrimPrefix(id, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}

// isoDuration writes a grain as ISO 8601 (PT1M, PT5M, PT1H, P1D).
func isoDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("P%dD", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("PT%dH", d/time.Hour)
	default:
		return fmt.Sprintf("PT%dM", d/time.Minute)
	}
}

// collect turns the points by query into results.
func collect(points map[int][]Point) []Result {
	out := make([]Result, 0, len(points))
	for q, ps := range points {
		out = append(out, Result{Query: q, Points: ps})
	}
	return out
}
