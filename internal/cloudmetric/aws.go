package cloudmetric

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// CloudWatchQueries is the most MetricDataQueries one GetMetricData call takes.
const CloudWatchQueries = 500

// AWS reads CloudWatch metrics with GetMetricData: per region, 500
// queries a call, following NextToken. A metric split by a further
// dimension (a VPN's TunnelIpAddress) is asked for once per series
// ListMetrics finds, the listing kept for SplitRefresh.
type AWS struct {
	client *http.Client

	mu      sync.Mutex
	clients map[awsKey]awsClient
	splits  map[splitKey]splitList
}

// splitKey names the metrics listed for one split metric in one region.
type splitKey struct {
	account                 int64
	region, namespace, name string
}

// splitList is what ListMetrics said: by the resource's dimension value,
// the further dimensions of each of its series (a VPN's two tunnels).
type splitList struct {
	at     time.Time
	byName map[string][][]cwtypes.Dimension
}

// SplitRefresh is how long a listing of a split metric's series is kept.
const SplitRefresh = 10 * time.Minute

type awsKey struct {
	account int64
	region  string
}

type awsClient struct {
	updated time.Time
	aws     string // the account's settings it was built from
	cw      *cloudwatch.Client
}

// NewAWS returns the CloudWatch source; its calls go through client.
func NewAWS(client *http.Client) *AWS {
	return &AWS{client: client, clients: map[awsKey]awsClient{}, splits: map[splitKey]splitList{}}
}

func (a *AWS) cloudwatch(acc *cloudaccount.Account, region string) (*cloudwatch.Client, error) {
	if acc.AWS == nil {
		return nil, fmt.Errorf("cloudmetric: account %d is not an AWS account", acc.ID)
	}
	settings := fmt.Sprint(*acc.AWS)
	k := awsKey{acc.ID, region}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[k]; ok && c.updated.Equal(acc.UpdatedAt) && c.aws == settings {
		return c.cw, nil
	}
	cfg, err := connect.ForAWS(acc.AWS, region, a.client)
	if err != nil {
		return nil, err
	}
	cw := cloudwatch.NewFromConfig(cfg)
	a.clients[k] = awsClient{updated: acc.UpdatedAt, aws: settings, cw: cw}
	return cw, nil
}

// Fetch implements Source.
func (a *AWS) Fetch(ctx context.Context, acc *cloudaccount.Account, queries []Query, st *Stats) ([]Result, error) {
	if acc.AWS == nil {
		return nil, fmt.Errorf("cloudmetric: account %d is not an AWS account", acc.ID)
	}
	// One call has one window and period: group by region and grain.
	type group struct {
		region  string
		grain   time.Duration
		queries []int
	}
	var groups []*group
	byKey := map[string]*group{}
	for i, q := range queries {
		region := q.Resource.Region
		if region == "" && len(acc.AWS.Regions) > 0 {
			region = acc.AWS.Regions[0]
		}
		k := region + "\x00" + q.Grain().String()
		g := byKey[k]
		if g == nil {
			g = &group{region: region, grain: q.Grain()}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.queries = append(g.queries, i)
	}
	points := map[int][]Point{}
	var errs []error
	for _, g := range groups {
		cw, err := a.cloudwatch(acc, g.region)
		if err != nil {
			return collect(points), err
		}
		subs, err := a.expand(ctx, cw, acc.ID, g.region, queries, g.queries, st)
		if throttled(err) != nil {
			return collect(points), err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cloudmetric: ListMetrics in %s: %w", g.region, err))
		}
		for c := 0; c < len(subs); c += CloudWatchQueries {
			chunk := subs[c:min(c+CloudWatchQueries, len(subs))]
			err := a.read(ctx, cw, chunk, g.grain, st, points)
			if throttled(err) != nil {
				return collect(points), err
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("cloudmetric: GetMetricData in %s: %w", g.region, err))
			}
		}
	}
	return collect(points), errors.Join(errs...)
}

// subQuery is one MetricDataQuery: a query's metric for the resource, with
// the further dimensions of one of its split series.
type subQuery struct {
	query  int
	q      *Query
	dims   []cwtypes.Dimension
	labels []sample.Label
}

// expand turns queries into MetricDataQueries: one for a plain metric,
// one per listed series for a split one.
func (a *AWS) expand(ctx context.Context, cw *cloudwatch.Client, account int64, region string, queries []Query, idx []int, st *Stats) ([]subQuery, error) {
	var out []subQuery
	var errs []error
	for _, i := range idx {
		q := &queries[i]
		own := cwtypes.Dimension{Name: aws.String(q.Resource.Type.Dimension), Value: aws.String(DimensionValue(q.Resource.Type.Dimension, q.Resource.ID))}
		if len(q.Metric.Split) == 0 {
			out = append(out, subQuery{query: i, q: q, dims: []cwtypes.Dimension{own}})
			continue
		}
		list, err := a.listSplit(ctx, cw, account, region, q.Resource.Type, q.Metric, st)
		if err != nil {
			if throttled(err) != nil {
				return out, err
			}
			errs = append(errs, err)
			continue
		}
		for _, extra := range list.byName[aws.ToString(own.Value)] {
			var labels []sample.Label
			for _, d := range extra {
				labels = append(labels, sample.Label{Name: cloudtype.LabelName(aws.ToString(d.Name)), Value: aws.ToString(d.Value)})
			}
			out = append(out, subQuery{query: i, q: q, dims: append([]cwtypes.Dimension{own}, extra...), labels: labels})
		}
	}
	return out, errors.Join(errs...)
}

// listSplit lists the series of a split metric in region (ListMetrics,
// recently active, paged), kept for SplitRefresh.
func (a *AWS) listSplit(ctx context.Context, cw *cloudwatch.Client, account int64, region string, t cloudtype.Type, m cloudtype.Metric, st *Stats) (splitList, error) {
	k := splitKey{account, region, t.Namespace, m.Name}
	a.mu.Lock()
	l, ok := a.splits[k]
	a.mu.Unlock()
	if ok && time.Since(l.at) < SplitRefresh {
		return l, nil
	}
	l = splitList{at: time.Now(), byName: map[string][][]cwtypes.Dimension{}}
	in := &cloudwatch.ListMetricsInput{Namespace: aws.String(t.Namespace), MetricName: aws.String(m.Name),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(t.Dimension)}}, RecentlyActive: cwtypes.RecentlyActivePt3h}
	for {
		st.call("ListMetrics", 0)
		out, err := cw.ListMetrics(ctx, in)
		if err != nil {
			return l, awsError(err)
		}
		for _, metric := range out.Metrics {
			own, extra, ok := splitDims(metric.Dimensions, t.Dimension, m.Split)
			if ok {
				l.byName[own] = append(l.byName[own], extra)
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	a.mu.Lock()
	a.splits[k] = l
	a.mu.Unlock()
	return l, nil
}

// splitDims reads a listed metric's dimensions: the resource's value and
// the split ones, in the catalogue's order; ok only when it has exactly
// those (not an aggregate over fewer, nor a finer series).
func splitDims(dims []cwtypes.Dimension, own string, split []string) (string, []cwtypes.Dimension, bool) {
	if len(dims) != 1+len(split) {
		return "", nil, false
	}
	byName := map[string]string{}
	for _, d := range dims {
		byName[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	v, ok := byName[own]
	if !ok {
		return "", nil, false
	}
	extra := make([]cwtypes.Dimension, 0, len(split))
	for _, name := range split {
		sv, ok := byName[name]
		if !ok {
			return "", nil, false
		}
		extra = append(extra, cwtypes.Dimension{Name: aws.String(name), Value: aws.String(sv)})
	}
	return v, extra, true
}

// read runs one GetMetricData over subs, page by page, over the span of
// their windows (a query's points before its own start are dropped by the
// poller).
func (a *AWS) read(ctx context.Context, cw *cloudwatch.Client, subs []subQuery, grain time.Duration, st *Stats, into map[int][]Point) error {
	start, end := subs[0].q.Start, subs[0].q.End
	for _, sq := range subs[1:] {
		if sq.q.Start.Before(start) {
			start = sq.q.Start
		}
		if sq.q.End.After(end) {
			end = sq.q.End
		}
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: make([]cwtypes.MetricDataQuery, len(subs)),
	}
	for j, sq := range subs {
		in.MetricDataQueries[j] = cwtypes.MetricDataQuery{
			Id: aws.String("q" + strconv.Itoa(j)),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(sq.q.Resource.Type.Namespace), MetricName: aws.String(sq.q.Metric.Name), Dimensions: sq.dims},
				Period: aws.Int32(int32(grain / time.Second)),
				Stat:   aws.String(sq.q.Metric.Aggregation),
			},
			ReturnData: aws.Bool(true),
		}
	}
	for {
		st.call("GetMetricData", len(subs))
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return awsError(err)
		}
		for _, r := range out.MetricDataResults {
			j, err := strconv.Atoi(strings.TrimPrefix(aws.ToString(r.Id), "q"))
			if err != nil || j < 0 || j >= len(subs) {
				continue
			}
			sq := subs[j]
			for k := range min(len(r.Timestamps), len(r.Values)) {
				into[sq.query] = append(into[sq.query], Point{Labels: sq.labels, TimeMs: r.Timestamps[k].UnixMilli(), Value: r.Values[k]})
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

// awsError turns CloudWatch's throttling answers into a *ThrottledError.
func awsError(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
			return &ThrottledError{Message: ae.ErrorMessage()}
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return &ThrottledError{RetryAfter: retryAfter(re.Response.Header.Get("Retry-After"), time.Now()), Message: err.Error()}
	}
	return err
}

// DimensionValue is the value of the CloudWatch dimension that names the
// resource with ARN arn: for a load balancer or target group the part
// after "loadbalancer/" or ":" (app/name/id, targetgroup/name/id), for
// the rest the ARN's last path or colon segment (i-0abc, mydb, nat-0abc,
// vpn-0abc).
func DimensionValue(dimension, arn string) string {
	resource := arn
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		resource = parts[5]
	}
	switch dimension {
	case "LoadBalancer":
		if v, ok := strings.CutPrefix(resource, "loadbalancer/"); ok {
			return v
		}
	case "TargetGroup":
		return resource
	}
	if i := strings.LastIndexAny(resource, "/:"); i >= 0 {
		return resource[i+1:]
	}
	return resource
}
