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

// CloudWatchGetMetricData is the path of GetMetricData in the Smithy RPC
// v2 CBOR protocol CloudWatch speaks (service GraniteServiceVersion20100801).
const CloudWatchGetMetricData = "/service/GraniteServiceVersion20100801/operation/GetMetricData"

// CloudWatch is Amazon CloudWatch's GetMetricData for the keys it knows,
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
	if err != nil || r.Method != http.MethodPost || r.URL.Path != CloudWatchGetMetricData {
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
