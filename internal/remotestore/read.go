package remotestore

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// Reads go through the storage interface rather than forwarding query text:
// Select fetches raw samples (export, remote read or a range selector by the
// query API, by Protocol) and unyo's own PromQL engine evaluates the query.
// No PromQL rewriting is needed, so no query however
// written (or, on(), subqueries, label_replace, absent, a regex on __name__)
// can reach a selector unyo did not scope; the price is moving raw samples
// rather than results, which the reads unyo makes (rules over minutes,
// reports over a month of a tenant's hosts) afford.

// maxLine bounds one line of /api/v1/export: one block of one series.
const maxLine = 64 << 20

type queryable struct {
	s      *Store
	tenant string
}

func (q *queryable) Querier(mint, maxt int64) (storage.Querier, error) {
	if q.tenant == "" {
		// Cross-tenant reads for MSP staff: only a store that keeps every
		// tenant in one place answers them.
		if q.s.opts.Mode != ExtraLabel {
			return nil, fmt.Errorf("remotestore: reads across tenants need --metrics-tenant-mode extra_label, not %s", q.s.opts.Mode)
		}
		return &querier{s: q.s, mint: mint, maxt: maxt}, nil
	}
	return &querier{s: q.s, tenant: labels.MustNewMatcher(labels.MatchEqual, metricstore.TenantLabel, q.tenant), mint: mint, maxt: maxt}, nil
}

type querier struct {
	s          *Store
	tenant     *labels.Matcher // nil: across tenants (Store.Queryable)
	mint, maxt int64
}

func (q *querier) Close() error { return nil }

// matchers are ms with the tenant's matcher first, whether or not the caller
// (metricstore.Scope) added it already.
func (q *querier) matchers(ms []*labels.Matcher) []*labels.Matcher {
	if q.tenant == nil {
		if len(ms) == 0 { // the store needs one matcher
			return []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, ".+")}
		}
		return ms
	}
	return append([]*labels.Matcher{q.tenant}, ms...)
}

// selector is ms in PromQL selector syntax, as match[] takes it.
func selector(ms []*labels.Matcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + m.Type.String() + strconv.Quote(m.Value)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// owned reports whether lset is the tenant's and matches every matcher: the
// check unyo makes itself on whatever the store answers.
func owned(lset labels.Labels, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(lset.Get(m.Name)) {
			return false
		}
	}
	return true
}

func (q *querier) Select(ctx context.Context, sortSeries bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	mint, maxt := q.mint, q.maxt
	if hints != nil {
		mint, maxt = hints.Start, hints.End
	}
	ms = q.matchers(ms)
	var (
		series []storage.Series
		err    error
	)
	switch q.s.opts.Protocol {
	case RemoteRead:
		series, err = q.selectRemoteRead(ctx, ms, mint, maxt)
	case QueryAPI:
		series, err = q.selectQueryAPI(ctx, ms, mint, maxt)
	default:
		series, err = q.selectExport(ctx, ms, mint, maxt)
	}
	if err != nil {
		return storage.ErrSeriesSet(err)
	}
	return &listSet{series: series, i: -1}
}

// selectExport reads raw samples with VictoriaMetrics' /api/v1/export.
func (q *querier) selectExport(ctx context.Context, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	body, err := q.post(ctx, "/api/v1/export", url.Values{"match[]": {selector(ms)}}, mint, maxt)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return q.decodeExport(body, ms, mint, maxt)
}

// exportLine is one line of /api/v1/export: one block of one series.
type exportLine struct {
	Metric     map[string]string `json:"metric"`
	Values     []json.RawMessage `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

// decodeExport merges the blocks of each series, keeps the samples in
// [mint, maxt] and drops, counting it, any series that is not the tenant's.
func (q *querier) decodeExport(r io.Reader, ms []*labels.Matcher, mint, maxt int64) ([]storage.Series, error) {
	c := q.collector(ms)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var b labels.Builder
	for sc.Scan() {
		var line exportLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("remotestore: export answer: %w", err)
		}
		if len(line.Values) != len(line.Timestamps) {
			return nil, fmt.Errorf("remotestore: export answer: %d values for %d timestamps", len(line.Values), len(line.Timestamps))
		}
		b.Reset(labels.EmptyLabels())
		for k, v := range line.Metric {
			b.Set(k, v)
		}
		e := c.entry(b.Labels())
		if e == nil {
			continue
		}
		for i, raw := range line.Values {
			t := line.Timestamps[i]
			if t < mint || t > maxt {
				continue
			}
			v, err := parseValue(raw)
			if err != nil {
				return nil, fmt.Errorf("remotestore: export answer: %w", err)
			}
			e.samples = append(e.samples, fsample{t: t, f: v})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("remotestore: reading export answer: %w", err)
	}
	return c.series(), nil
}

// collector gathers the series of one answer: it merges the parts of a
// series the store sends apart (export blocks, remote-read frames) and
// drops, counting it, any series that is not the tenant's.
type collector struct {
	q     *querier
	ms    []*labels.Matcher
	byKey map[string]*entry
	order []*entry
}

func (q *querier) collector(ms []*labels.Matcher) *collector {
	return &collector{q: q, ms: ms, byKey: map[string]*entry{}}
}

// entry returns the entry of lset to add samples to, or nil when lset is
// outside the query's matchers.
func (c *collector) entry(lset labels.Labels) *entry {
	if !owned(lset, c.ms) {
		c.q.s.metrics.foreign.Inc()
		c.q.s.logger.Warn("remote store answered a series outside the query's matchers; dropped", "labels", lset.String())
		return nil
	}
	key := lset.String()
	e := c.byKey[key]
	if e == nil {
		e = &entry{lset: lset}
		c.byKey[key] = e
		c.order = append(c.order, e)
	}
	return e
}

// series are the collected series with samples, each in time order without
// two samples at one time, sorted by labels as the engine needs.
func (c *collector) series() []storage.Series {
	out := make([]storage.Series, 0, len(c.order))
	for _, e := range c.order {
		if len(e.samples) == 0 {
			continue
		}
		slices.SortStableFunc(e.samples, func(a, b chunks.Sample) int { return cmp.Compare(a.T(), b.T()) })
		e.samples = slices.CompactFunc(e.samples, func(a, b chunks.Sample) bool { return a.T() == b.T() })
		out = append(out, storage.NewListSeries(e.lset, e.samples))
	}
	slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	return out
}

// parseValue reads a value of /api/v1/export: a number, null (a staleness
// marker) or a quoted special value.
func parseValue(raw json.RawMessage) (float64, error) {
	s := string(raw)
	if s == "null" {
		return math.Float64frombits(value.StaleNaN), nil
	}
	s = strings.Trim(s, `"`)
	switch s {
	case "Infinity", "+Inf":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q: %w", s, err)
	}
	return v, nil
}

type entry struct {
	lset    labels.Labels
	samples []chunks.Sample
}

// fsample is one float sample of a series read from the store.
type fsample struct {
	t int64
	f float64
}

func (s fsample) T() int64                      { return s.t }
func (s fsample) ST() int64                     { return 0 }
func (s fsample) F() float64                    { return s.f }
func (s fsample) H() *histogram.Histogram       { return nil }
func (s fsample) FH() *histogram.FloatHistogram { return nil }
func (s fsample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s fsample) Copy() chunks.Sample           { return s }

// listSet is a storage.SeriesSet over series already read.
type listSet struct {
	series []storage.Series
	i      int
}

func (l *listSet) Next() bool                        { l.i++; return l.i < len(l.series) }
func (l *listSet) At() storage.Series                { return l.series[l.i] }
func (l *listSet) Err() error                        { return nil }
func (l *listSet) Warnings() annotations.Annotations { return nil }

// seriesOf returns the label sets /api/v1/series answers for ms, each checked
// by unyo against ms.
func (q *querier) seriesOf(ctx context.Context, hints *storage.LabelHints, ms []*labels.Matcher) ([]labels.Labels, error) {
	ms = q.matchers(ms)
	form := url.Values{"match[]": {selector(ms)}}
	if hints != nil && hints.Limit > 0 {
		form.Set("limit", strconv.Itoa(hints.Limit))
	}
	body, err := q.post(ctx, "/api/v1/series", form, q.mint, q.maxt)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var ans struct {
		Status string              `json:"status"`
		Data   []map[string]string `json:"data"`
	}
	if err := json.NewDecoder(body).Decode(&ans); err != nil {
		return nil, fmt.Errorf("remotestore: series answer: %w", err)
	}
	out := make([]labels.Labels, 0, len(ans.Data))
	for _, m := range ans.Data {
		lset := labels.FromMap(m)
		if !owned(lset, ms) {
			q.s.metrics.foreign.Inc()
			continue
		}
		out = append(out, lset)
	}
	return out, nil
}

// LabelNames answers from the series the tenant holds, so that the names
// are checked by unyo like the series are.
func (q *querier) LabelNames(ctx context.Context, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	all, err := q.seriesOf(ctx, nil, ms)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]struct{}{}
	for _, l := range all {
		l.Range(func(l labels.Label) { seen[l.Name] = struct{}{} })
	}
	return limited(seen, hints), nil, nil
}

// LabelValues answers from the series the tenant holds, as LabelNames.
func (q *querier) LabelValues(ctx context.Context, name string, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	all, err := q.seriesOf(ctx, nil, ms)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]struct{}{}
	for _, l := range all {
		if v := l.Get(name); v != "" {
			seen[v] = struct{}{}
		}
	}
	return limited(seen, hints), nil, nil
}

func limited(seen map[string]struct{}, hints *storage.LabelHints) []string {
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	if hints != nil && hints.Limit > 0 && len(out) > hints.Limit {
		out = out[:hints.Limit]
	}
	return out
}

// post sends form to the query API path api for [mint, maxt] and returns the
// body of a 200 answer.
func (q *querier) post(ctx context.Context, api string, form url.Values, mint, maxt int64) (io.ReadCloser, error) {
	form.Set("start", formatTime(mint))
	form.Set("end", formatTime(maxt))
	resp, err := q.postForm(ctx, api, form)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// postForm sends form to the query API path api and returns a 200 answer.
func (q *querier) postForm(ctx context.Context, api string, form url.Values) (*http.Response, error) {
	u := q.s.queryURL(q.tenantID(), api, form)
	return q.do(ctx, api, u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
}

// tenantID is the querier's tenant, "" across tenants.
func (q *querier) tenantID() string {
	if q.tenant == nil {
		return ""
	}
	return q.tenant.Value
}

// do posts body to u, with the tenant's headers and those of h, and returns
// the answer if it is a 200.
func (q *querier) do(ctx context.Context, api, u, contentType string, body io.Reader, h http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return nil, fmt.Errorf("remotestore: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	q.s.header(req, q.tenantID())
	resp, err := q.s.client.Do(req)
	if err != nil {
		q.s.metrics.readFailures.Inc()
		return nil, fmt.Errorf("remotestore: query %s: %w", api, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		q.s.metrics.readFailures.Inc()
		return nil, fmt.Errorf("remotestore: query %s: %s: %s", api, resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp, nil
}

// formatTime is a millisecond timestamp as the seconds the API takes,
// clamped to what the store accepts (the engine asks math.MinInt64 for "all").
func formatTime(ms int64) string {
	return strconv.FormatFloat(float64(clampTime(ms))/1000, 'f', 3, 64)
}

// clampTime is ms within what stores accept: 1970 to the year 2109.
func clampTime(ms int64) int64 {
	const lo, hi = 0, 1 << 42
	return min(max(ms, lo), hi)
}
