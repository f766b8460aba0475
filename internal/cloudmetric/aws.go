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

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
)

// CloudWatchQueries is the most MetricDataQueries one GetMetricData call takes.
const CloudWatchQueries = 500

// AWS reads CloudWatch metrics with GetMetricData: per region, 500
// queries a call, following NextToken.
type AWS struct {
	client *http.Client

	mu      sync.Mutex
	clients map[awsKey]awsClient
}

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
	return &AWS{client: client, clients: map[awsKey]awsClient{}}
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
		region     string
		grain      time.Duration
		queries    []int
		start, end time.Time
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
			g = &group{region: region, grain: q.Grain(), start: q.Start, end: q.End}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.queries = append(g.queries, i)
		if q.Start.Before(g.start) {
			g.start = q.Start
		}
		if q.End.After(g.end) {
			g.end = q.End
		}
	}
	points := map[int][]Point{}
	var errs []error
	for _, g := range groups {
		cw, err := a.cloudwatch(acc, g.region)
		if err != nil {
			return collect(points), err
		}
		for c := 0; c < len(g.queries); c += CloudWatchQueries {
			chunk := g.queries[c:min(c+CloudWatchQueries, len(g.queries))]
			err := a.read(ctx, cw, queries, chunk, g.start, g.end, g.grain, st, points)
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

// read runs one GetMetricData over the queries at idx, page by page.
func (a *AWS) read(ctx context.Context, cw *cloudwatch.Client, queries []Query, idx []int, start, end time.Time, grain time.Duration, st *Stats, into map[int][]Point) error {
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: make([]cwtypes.MetricDataQuery, len(idx)),
	}
	for j, i := range idx {
		q := queries[i]
		in.MetricDataQueries[j] = cwtypes.MetricDataQuery{
			Id: aws.String("q" + strconv.Itoa(j)),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.Resource.Type.Namespace), MetricName: aws.String(q.Metric.Name),
					Dimensions: []cwtypes.Dimension{{Name: aws.String(q.Resource.Type.Dimension), Value: aws.String(DimensionValue(q.Resource.Type.Dimension, q.Resource.ID))}}},
				Period: aws.Int32(int32(grain / time.Second)),
				Stat:   aws.String(q.Metric.Aggregation),
			},
			ReturnData: aws.Bool(true),
		}
	}
	for {
		st.call("GetMetricData", len(idx))
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return awsError(err)
		}
		for _, r := range out.MetricDataResults {
			j, err := strconv.Atoi(strings.TrimPrefix(aws.ToString(r.Id), "q"))
			if err != nil || j < 0 || j >= len(idx) {
				continue
			}
			for k := range min(len(r.Timestamps), len(r.Values)) {
				into[idx[j]] = append(into[idx[j]], Point{TimeMs: r.Timestamps[k].UnixMilli(), Value: r.Values[k]})
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
