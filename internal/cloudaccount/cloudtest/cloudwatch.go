package cloudtest

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// The paths of GetMetricData and ListMetrics in the Smithy RPC v2 CBOR
// protocol CloudWatch speaks (service GraniteServiceVersion20100801).
const (
	CloudWatchGetMetricData = "/service/GraniteServiceVersion20100801/operation/GetMetricData"
	CloudWatchListMetrics   = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
)

// CloudWatch is Amazon CloudWatch's GetMetricData (and ListMetrics, of
// the series List registered) for the keys it knows,
// enforcing what AWS does: the RPC v2 CBOR protocol headers, SigV4 for
// the service "monitoring" (signature checked with the secret), 1 to 500
// MetricDataQueries with unique ids, periods of whole minutes, a
// statistic, MaxDatapoints paging by NextToken, and the Throttling error
// when told to throttle. Every period from the start to the end, none
// after now, carries MetricValue of the dimension's value and the metric,
// the period still filling Partial of it.
type CloudWatch struct {
	Now      func() time.Time
	PageSize int // data points a page at most (AWS: MaxDatapoints, 100,800 by default)

	mu       sync.Mutex
	secrets  map[string]string
	throttle int
	calls    []CloudWatchCall
	listed   []CloudWatchMetric
	lists    int
}

// CloudWatchMetric is one series ListMetrics lists.
type CloudWatchMetric struct {
	Namespace  string        `cbor:"Namespace"`
	MetricName string        `cbor:"MetricName"`
	Dimensions []cwDimension `cbor:"Dimensions"`
}

// List makes ListMetrics list the series of metric in namespace with
// dims, given as name, value pairs in order (VpnId, vpn-0abc,
// TunnelIpAddress, 203.0.113.10).
func (c *CloudWatch) List(namespace, metric string, dims ...string) {
	m := CloudWatchMetric{Namespace: namespace, MetricName: metric}
	for i := 0; i+1 < len(dims); i += 2 {
		m.Dimensions = append(m.Dimensions, cwDimension{Name: dims[i], Value: dims[i+1]})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listed = append(c.listed, m)
}

// Lists is how many ListMetrics calls were answered.
func (c *CloudWatch) Lists() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists
}

// CloudWatchCall is one GetMetricData the fake answered 200.
type CloudWatchCall struct {
	Region  string
	Queries int
	Paged   bool // it carried a NextToken
	Start   time.Time
	End     time.Time
	Metrics []string // namespace/metric/dimension=value per query
}

// NewCloudWatch returns the fake knowing the key id/secret.
func NewCloudWatch(id, secret string) *CloudWatch {
	return &CloudWatch{secrets: map[string]string{id: secret}, Now: time.Now}
}

// Throttle makes the next n calls answer Throttling.
func (c *CloudWatch) Throttle(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.throttle = n
}

// Calls returns the calls answered so far.
func (c *CloudWatch) Calls() []CloudWatchCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]CloudWatchCall(nil), c.calls...)
}

type cwDimension struct {
	Name  string `cbor:"Name"`
	Value string `cbor:"Value"`
}

type cwQuery struct {
	ID         string `cbor:"Id"`
	Expression string `cbor:"Expression"`
	MetricStat *struct {
		Metric struct {
			Namespace  string        `cbor:"Namespace"`
			MetricName string        `cbor:"MetricName"`
			Dimensions []cwDimension `cbor:"Dimensions"`
		} `cbor:"Metric"`
		Period int32  `cbor:"Period"`
		Stat   string `cbor:"Stat"`
	} `cbor:"MetricStat"`
}

type cwInput struct {
	MetricDataQueries []cwQuery `cbor:"MetricDataQueries"`
	StartTime         time.Time `cbor:"StartTime"`
	EndTime           time.Time `cbor:"EndTime"`
	NextToken         string    `cbor:"NextToken"`
	MaxDatapoints     int32     `cbor:"MaxDatapoints"`
	ScanBy            string    `cbor:"ScanBy"`
}

type cwResult struct {
	ID         string      `cbor:"Id"`
	Label      string      `cbor:"Label"`
	Timestamps []time.Time `cbor:"Timestamps"`
	Values     []float64   `cbor:"Values"`
	StatusCode string      `cbor:"StatusCode"`
}

type cwOutput struct {
	MetricDataResults []cwResult `cbor:"MetricDataResults"`
	NextToken         string     `cbor:"NextToken,omitempty"`
}

var (
	cwEnc, _ = cbor.EncOptions{Time: cbor.TimeUnix, TimeTag: cbor.EncTagRequired, NilContainers: cbor.NilContainerAsEmpty}.EncMode()
	cwID     = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]{0,254}$`)
	cwStats  = map[string]bool{"Average": true, "Sum": true, "Minimum": true, "Maximum": true, "SampleCount": true}
)

// cwError writes an error as CloudWatch's RPC v2 CBOR does, with the
// awsQuery code in x-amzn-query-error for query-compatible clients.
func cwError(w http.ResponseWriter, status int, typ, code, message string) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("X-Amzn-Query-Error", code+";Sender")
	w.WriteHeader(status)
	b, _ := cwEnc.Marshal(map[string]string{"__type": "com.amazonaws.cloudwatch#" + typ, "message": message})
	w.Write(b)
}

func (c *CloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil || r.Method != http.MethodPost || (r.URL.Path != CloudWatchGetMetricData && r.URL.Path != CloudWatchListMetrics) {
		cwError(w, 404, "UnknownOperationException", "UnknownOperationException", "no operation at "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" || r.Header.Get("Content-Type") != "application/cbor" {
		cwError(w, 400, "InvalidParameterValueException", "InvalidParameterValue", "the request is not RPC v2 CBOR (Smithy-Protocol, Content-Type)")
		return
	}
	c.mu.Lock()
	secrets := c.secrets
	c.mu.Unlock()
	signed, err := CheckSigV4(r, body, "monitoring", secrets)
	if err != nil {
		cwError(w, 403, "AccessDeniedException", "SignatureDoesNotMatch", err.Error())
		return
	}
	c.mu.Lock()
	if c.throttle > 0 {
		c.throttle--
		c.mu.Unlock()
		cwError(w, 400, "ThrottlingException", "Throttling", "Rate exceeded")
		return
	}
	c.mu.Unlock()
	if r.URL.Path == CloudWatchListMetrics {
		c.listMetrics(w, body)
		return
	}
	var in cwInput
	if err := cbor.Unmarshal(body, &in); err != nil {
		cwError(w, 400, "InvalidParameterValueException", "InvalidParameterValue", "cannot decode the CBOR body: "+err.Error())
		return
	}
	call, out, msg := c.answer(&in)
	if msg != "" {
		cwError(w, 400, "InvalidParameterValueException", "InvalidParameterValue", msg)
		return
	}
	call.Region = signed.Region
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
	b, err := cwEnc.Marshal(out)
	if err != nil {
		cwError(w, 500, "InternalServiceFault", "InternalServiceError", err.Error())
		return
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Write(b)
}

// answer checks in and returns the page it asks for, or why it cannot.
func (c *CloudWatch) answer(in *cwInput) (CloudWatchCall, *cwOutput, string) {
	call := CloudWatchCall{Queries: len(in.MetricDataQueries), Paged: in.NextToken != "", Start: in.StartTime, End: in.EndTime}
	if n := len(in.MetricDataQueries); n == 0 || n > 500 {
		return call, nil, fmt.Sprintf("The collection MetricDataQueries must not have a size greater than 500 or less than 1 (it has %d).", n)
	}
	if in.StartTime.IsZero() || !in.StartTime.Before(in.EndTime) {
		return call, nil, "The parameter StartTime must be less than the parameter EndTime."
	}
	seen := map[string]bool{}
	for _, q := range in.MetricDataQueries {
		switch {
		case !cwID.MatchString(q.ID) || seen[q.ID]:
			return call, nil, fmt.Sprintf("The value %s for parameter MetricDataQueries.member.Id is not valid or not unique.", q.ID)
		case q.MetricStat == nil:
			return call, nil, "This fake answers MetricStat queries only."
		case q.MetricStat.Period < 60 || q.MetricStat.Period%60 != 0:
			return call, nil, fmt.Sprintf("The parameter MetricStat.Period must be a multiple of 60, not %d.", q.MetricStat.Period)
		case !cwStats[q.MetricStat.Stat]:
			return call, nil, fmt.Sprintf("The parameter MetricStat.Stat %q is not a statistic.", q.MetricStat.Stat)
		case q.MetricStat.Metric.Namespace == "" || q.MetricStat.Metric.MetricName == "":
			return call, nil, "The parameters Namespace and MetricName are required."
		}
		seen[q.ID] = true
	}
	// Every point of every query in order; a page is a slice of it.
	type point struct {
		q int
		t time.Time
		v float64
	}
	now := c.Now()
	var all []point
	for i, q := range in.MetricDataQueries {
		ms := q.MetricStat
		dim := ""
		for _, d := range ms.Metric.Dimensions {
			dim += d.Value
		}
		call.Metrics = append(call.Metrics, ms.Metric.Namespace+"/"+ms.Metric.MetricName+"/"+dim)
		grain := time.Duration(ms.Period) * time.Second
		for _, t := range buckets(in.StartTime, in.EndTime, now, grain, false) {
			v := MetricValue(dim, ms.Metric.MetricName, "", t)
			if t.Add(grain).After(now) {
				v = Partial(v)
			}
			all = append(all, point{i, t, v})
		}
	}
	from := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(all) {
			return call, nil, "The NextToken is not valid."
		}
		from = n
	}
	size := c.PageSize
	if in.MaxDatapoints > 0 && (size <= 0 || int(in.MaxDatapoints) < size) {
		size = int(in.MaxDatapoints)
	}
	if size <= 0 {
		size = 100800
	}
	to := min(from+size, len(all))
	out := &cwOutput{}
	results := make([]cwResult, len(in.MetricDataQueries))
	for i, q := range in.MetricDataQueries {
		results[i] = cwResult{ID: q.ID, Label: q.MetricStat.Metric.MetricName, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
	}
	for _, p := range all[from:to] {
		results[p.q].Timestamps = append(results[p.q].Timestamps, p.t)
		results[p.q].Values = append(results[p.q].Values, p.v)
	}
	if to < len(all) {
		out.NextToken = strconv.Itoa(to)
		for i := range results {
			results[i].StatusCode = "PartialData"
		}
	}
	out.MetricDataResults = results
	return call, out, ""
}

type cwListInput struct {
	Namespace  string `cbor:"Namespace"`
	MetricName string `cbor:"MetricName"`
	Dimensions []struct {
		Name  string  `cbor:"Name"`
		Value *string `cbor:"Value"`
	} `cbor:"Dimensions"`
	NextToken      string `cbor:"NextToken"`
	RecentlyActive string `cbor:"RecentlyActive"`
}

type cwListOutput struct {
	Metrics   []CloudWatchMetric `cbor:"Metrics"`
	NextToken string             `cbor:"NextToken,omitempty"`
}

// listMetrics answers ListMetrics: the listed series matching the
// namespace, name and dimension filters, 500 a page as AWS pages them.
func (c *CloudWatch) listMetrics(w http.ResponseWriter, body []byte) {
	var in cwListInput
	if err := cbor.Unmarshal(body, &in); err != nil {
		cwError(w, 400, "InvalidParameterValueException", "InvalidParameterValue", "cannot decode the CBOR body: "+err.Error())
		return
	}
	if in.RecentlyActive != "" && in.RecentlyActive != "PT3H" {
		cwError(w, 400, "InvalidParameterValueException", "InvalidParameterValue", "RecentlyActive must be PT3H")
		return
	}
	c.mu.Lock()
	c.lists++
	var match []CloudWatchMetric
next:
	for _, m := range c.listed {
		if (in.Namespace != "" && m.Namespace != in.Namespace) || (in.MetricName != "" && m.MetricName != in.MetricName) {
			continue
		}
		for _, f := range in.Dimensions {
			found := false
			for _, d := range m.Dimensions {
				found = found || (d.Name == f.Name && (f.Value == nil || d.Value == *f.Value))
			}
			if !found {
				continue next
			}
		}
		match = append(match, m)
	}
	c.mu.Unlock()
	from := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(match) {
			cwError(w, 400, "InvalidNextToken", "InvalidNextToken", "The NextToken is not valid.")
			return
		}
		from = n
	}
	to := min(from+500, len(match))
	out := cwListOutput{Metrics: match[from:to]}
	if to < len(match) {
		out.NextToken = strconv.Itoa(to)
	}
	b, _ := cwEnc.Marshal(out)
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Write(b)
}
