package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// writeBody encodes series as a remote-write request body.
func writeBody(series []prompb.TimeSeries) *bytes.Reader {
	b, err := (&prompb.WriteRequest{Timeseries: series}).Marshal()
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(snappy.Encode(nil, b))
}

// push sends series by remote write and requires 204.
func (s *server) push(token string, series []prompb.TimeSeries) {
	s.t.Helper()
	code, body := s.call("POST", "/api/v1/write", token, writeBody(series),
		"Content-Encoding", "snappy", "Content-Type", "application/x-protobuf", "X-Prometheus-Remote-Write-Version", "0.1.0")
	if code != 204 {
		s.t.Fatalf("remote write = %d: %s", code, body)
	}
}

type sample struct {
	Metric map[string]string
	Value  float64
}

// query runs an instant PromQL query at unix time ts and returns the vector.
func (s *server) query(token, q string, ts float64) []sample {
	s.t.Helper()
	v := url.Values{"query": {q}, "time": {strconv.FormatFloat(ts, 'f', 3, 64)}}
	code, body := s.call("GET", "/api/v1/query?"+v.Encode(), token, nil)
	if code != 200 {
		s.t.Fatalf("query %q = %d: %s", q, code, body)
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Status != "success" {
		s.t.Fatalf("query %q: %v %s", q, err, body)
	}
	if resp.Data.ResultType != "vector" {
		s.t.Fatalf("query %q: result type %q, want vector", q, resp.Data.ResultType)
	}
	out := []sample{}
	for _, r := range resp.Data.Result {
		f, _ := strconv.ParseFloat(fmt.Sprint(r.Value[1]), 64)
		out = append(out, sample{Metric: r.Metric, Value: f})
	}
	return out
}
