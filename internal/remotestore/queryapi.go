package remotestore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// Thanos Query has no remote read, so raw samples are read through the
// PromQL HTTP API: the instant query {selector}[range] at the end of the
// read answers a matrix of every raw sample in the range, with its own
// timestamp, in one request per Select. (/api/v1/series and then a query
// per series would cost a round trip per series; query_range would answer
// samples resampled to its step, not the raw ones.) The query text is the
// selector unyo built from matchers it scoped, never the caller's. What it
// cannot carry: staleness markers (the engine drops them from range
// selectors, so a series that stopped is seen for the lookback delta) and
// native histograms (answered as rendered buckets, so they are skipped).

// maxQueryAnswer bounds a query-API answer.
const maxQueryAnswer = 1 << 30

// selectQueryAPI reads the samples of ms in [mint, maxt] with an instant
// query of a range selector.
func (q *querier) selectQueryAPI(ctx context.Context, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	lo, hi := clampTime(mint), clampTime(maxt)
	// Prometheus 3 and Thanos select (t-range, t], Prometheus 2 [t-range, t]:
	// one millisecond more reaches mint in both; decodeMatrix drops the rest.
	form := url.Values{
		"query": {selector(ms) + "[" + strconv.FormatInt(hi-lo+1, 10) + "ms]"},
		"time":  {formatTime(hi)},
		// Thanos Query: merge replicas, and fail rather than answer part.
		"dedup":            {"true"},
		"partial_response": {"false"},
	}
	resp, err := q.postForm(ctx, "/api/v1/query", form)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return q.decodeMatrix(io.LimitReader(resp.Body, maxQueryAnswer), ms, mint, maxt)
}

// matrixAnswer is the /api/v1/query answer of a range selector.
type matrixAnswer struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values []apiSample       `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// apiSample is [<seconds>, "<value>"].
type apiSample struct {
	t int64
	f float64
}

func (s *apiSample) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	var sec float64
	if err := json.Unmarshal(pair[0], &sec); err != nil {
		return fmt.Errorf("sample time: %w", err)
	}
	if math.IsNaN(sec) || math.Abs(sec) > 1<<53/1000 {
		return fmt.Errorf("sample time %v out of range", sec)
	}
	var v string
	if err := json.Unmarshal(pair[1], &v); err != nil {
		return fmt.Errorf("sample value: %w", err)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("sample value %q: %w", v, err)
	}
	s.t, s.f = int64(math.Round(sec*1000)), f
	return nil
}

// decodeMatrix reads a matrix answer: the tenant's series matching ms with
// their samples in [mint, maxt].
func (q *querier) decodeMatrix(r io.Reader, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	var ans matrixAnswer
	if err := json.NewDecoder(r).Decode(&ans); err != nil {
		return nil, fmt.Errorf("remotestore: query answer: %w", err)
	}
	if ans.Status != "success" || ans.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("remotestore: query answer: status %q, result type %q; want success, matrix", ans.Status, ans.Data.ResultType)
	}
	c := q.collector(ms)
	for _, res := range ans.Data.Result {
		e := c.entry(labels.FromMap(res.Metric))
		if e == nil {
			continue
		}
		for _, s := range res.Values {
			if s.t >= mint && s.t <= maxt {
				e.samples = append(e.samples, fsample{t: s.t, f: s.f})
			}
		}
	}
	return c.series(), nil
}
