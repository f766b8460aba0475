package e2e

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/prometheus/prompb"
)

// compareData is the data both unyo and a real Prometheus hold: two jobs'
// request counters and a temperature gauge, every 15 s over 10 minutes, off
// the query steps by 7 s so that no sample sits on a range boundary (where
// Prometheus 2 and 3 differ by design).
func compareData(base time.Time, tenant string) []prompb.TimeSeries {
	type def struct {
		labels []string
		value  func(i int) float64
	}
	defs := []def{
		{[]string{"__name__", "http_requests_total", "job", "api", "instance", "a:80", "code", "200"}, func(i int) float64 { return float64(10 * i) }},
		{[]string{"__name__", "http_requests_total", "job", "api", "instance", "b:80", "code", "500"}, func(i int) float64 { return float64(i * i) }},
		{[]string{"__name__", "http_requests_total", "job", "web", "instance", "c:80", "code", "200"}, func(i int) float64 { return float64(3 * i) }},
		{[]string{"__name__", "room_temperature", "room", "north"}, func(i int) float64 { return 20 + float64(i%7)/4 }},
		{[]string{"__name__", "room_temperature", "room", "south"}, func(i int) float64 { return 18 - float64(i%5)/2 }},
	}
	var out []prompb.TimeSeries
	for _, d := range defs {
		var s prompb.TimeSeries
		for j := 0; j < len(d.labels); j += 2 {
			s.Labels = append(s.Labels, prompb.Label{Name: d.labels[j], Value: d.labels[j+1]})
		}
		if tenant != "" {
			s.Labels = append(s.Labels, prompb.Label{Name: "tenant", Value: tenant})
		}
		for i := 0; i < 40; i++ {
			s.Samples = append(s.Samples, prompb.Sample{Timestamp: base.Add(time.Duration(i)*15*time.Second + 7*time.Second).UnixMilli(), Value: d.value(i)})
		}
		out = append(out, s)
	}
	return out
}

// TestAnswersMatchPrometheus: the same data remote-written to unyo and to a
// real Prometheus 2.42 gives the same answers to a broad set of queries,
// empty results included ([] where Prometheus says [], never null), and
// Prometheus's own Go client and promtool read unyo's empty answers.
func TestAnswersMatchPrometheus(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	addr := freeAddr(t)
	prom := startPeer(t, "prometheus", addr, "/-/ready", "global: {}\n", "--config.file={config}",
		"--storage.tsdb.path="+t.TempDir(), "--web.listen-address="+addr, "--web.enable-remote-write-receiver")

	base := time.Now().Add(-20 * time.Minute).Truncate(time.Minute)
	s.push(ingest, compareData(base, ""))
	resp, err := http.Post(prom.url+"/api/v1/write", "application/x-protobuf", writeBody(compareData(base, "acme")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("remote write to Prometheus = %d", resp.StatusCode)
	}

	at := strconv.FormatInt(base.Add(9*time.Minute).Unix(), 10)
	start, end := strconv.FormatInt(base.Add(2*time.Minute).Unix(), 10), at
	exprs := []string{
		`http_requests_total`, `room_temperature{room="north"}`, `sum(nonexistent_metric_name)`, `nonexistent_metric_name`,
		`sum(http_requests_total{instance="nope"})`, `rate(http_requests_total[2m])`, `sum by (job) (rate(http_requests_total[2m]))`,
		`max(room_temperature)`, `count(room_temperature)`, `room_temperature > 1000`, `avg_over_time(room_temperature[5m])`,
		`topk(1, room_temperature)`, `increase(http_requests_total{code="500"}[5m])`, `sum without (instance) (http_requests_total)`,
		`label_replace(room_temperature, "where", "$1", "room", "(.*)")`, `absent(nonexistent_metric_name)`, `absent(room_temperature)`,
		`http_requests_total / ignoring (code) group_left sum without (code) (http_requests_total)`, `scalar(sum(room_temperature))`, `1 + 1`, `time()`,
		`delta(room_temperature[3m])`, `quantile(0.5, room_temperature)`, `count_values("v", room_temperature)`,
	}
	var paths []string
	for _, e := range exprs {
		paths = append(paths,
			"/api/v1/query?"+url.Values{"query": {e}, "time": {at}}.Encode(),
			"/api/v1/query_range?"+url.Values{"query": {e}, "start": {start}, "end": {end}, "step": {"30"}}.Encode())
	}
	paths = append(paths,
		"/api/v1/query?"+url.Values{"query": {`http_requests_total[1m]`}, "time": {at}}.Encode(),
		"/api/v1/query?"+url.Values{"query": {`"a string"`}, "time": {at}}.Encode(),
		"/api/v1/query?"+url.Values{"query": {`nonexistent_metric_name[5m]`}, "time": {at}}.Encode(),
		"/api/v1/series?"+url.Values{"match[]": {`http_requests_total`}}.Encode(),
		"/api/v1/series?"+url.Values{"match[]": {`room_temperature`, `{job="web"}`}}.Encode(),
		"/api/v1/series?"+url.Values{"match[]": {`nonexistent_metric_name`}}.Encode(),
		"/api/v1/labels",
		"/api/v1/labels?"+url.Values{"match[]": {`room_temperature`}}.Encode(),
		"/api/v1/labels?"+url.Values{"match[]": {`nonexistent_metric_name`}}.Encode(),
		"/api/v1/label/job/values",
		"/api/v1/label/__name__/values",
		"/api/v1/label/job/values?"+url.Values{"match[]": {`{code="500"}`}}.Encode(),
		"/api/v1/label/job/values?"+url.Values{"match[]": {`nonexistent_metric_name`}}.Encode(),
		"/api/v1/label/nonexistent_label/values",
		"/api/v1/metadata",
		"/api/v1/metadata?metric=nonexistent_metric_name",
	)
	for _, p := range paths {
		want := fetchJSON(t, prom.url+p, "")
		got := fetchJSON(t, s.url+p, read)
		if !same(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s\n unyo:       %s\n prometheus: %s", p, g, w)
		}
	}

	// Prometheus's Go client decodes unyo's empty range result.
	client, err := promapi.NewClient(promapi.Config{Address: s.url, RoundTripper: bearer{read}})
	if err != nil {
		t.Fatal(err)
	}
	val, _, _, err := promv1.NewAPI(client).QueryRange(context.Background(), `sum(nonexistent_metric_name)`,
		promv1.Range{Start: base, End: base.Add(9 * time.Minute), Step: 30 * time.Second})
	if err != nil || val.String() != "" {
		t.Fatalf("client_golang QueryRange on an empty result = %q, %v", val, err)
	}
	// So does promtool.
	out, err := exec.Command(needPeer(t, "promtool"), "query", "range", "--header=Authorization=Bearer "+read,
		"--start="+start, "--end="+end, "--step=30s", s.url, `sum(nonexistent_metric_name)`).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool query range on an empty result: %v: %s", err, out)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// fetchJSON GETs u and returns its JSON status and data, with every list of
// results in a canonical order: Prometheus does not define the order of a
// vector's or a series list's elements (sort and topk aside).
func fetchJSON(t *testing.T, u, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("GET %s = %d: %v: %s", u, resp.StatusCode, err, b)
	}
	// Annotations (warnings, infos) are newer than Prometheus 2.42.
	delete(body, "warnings")
	delete(body, "infos")
	body["http_status"] = float64(resp.StatusCode)
	if d, ok := body["data"].(map[string]any); ok {
		if r, ok := d["result"].([]any); ok {
			canonical(r)
		}
	}
	if d, ok := body["data"].([]any); ok {
		canonical(d)
	}
	return body
}

func canonical(list []any) {
	key := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	sort.Slice(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
}

// same compares two decoded answers, sample values within a relative 1e-12:
// Prometheus 3's engine, which unyo embeds, sums with Kahan compensation and
// so differs from 2.42 in the last digits of some averages.
func same(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			if !same(v, bm[k]) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !same(a[i], bl[i]) {
				return false
			}
		}
		return true
	case string:
		bs, ok := b.(string)
		if !ok {
			return false
		}
		if a == bs {
			return true
		}
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(bs, 64)
		return errA == nil && errB == nil && math.Abs(x-y) <= 1e-12*math.Max(math.Abs(x), math.Abs(y))
	}
	return reflect.DeepEqual(a, b)
}
