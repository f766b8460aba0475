// Package scrape reads a local Prometheus exporter (text format) and forwards
// its series with the item label, so hosts that already run an exporter
// (JMX, MySQL, IIS...) feed unyo through the agent.
package scrape

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// maxBody bounds what is read from an exporter; beyond it the scrape fails.
const maxBody = 32 << 20

// renamed are labels the agent sets itself; an exporter's own get an
// exported_ prefix, as Prometheus does, rather than overriding them.
var renamed = map[string]string{"item": "exported_item", "host": "exported_host"}

// Scraper scrapes one exporter URL.
type Scraper struct {
	item   string
	url    string
	client *http.Client
	labels []sample.Label // {item}
}

// New returns the scraper of an exporter item.
func New(item, url string) *Scraper {
	return &Scraper{
		item: item, url: url,
		// Exporters are local and scraped often: keep the connection.
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: 5 * time.Minute}},
		labels: sample.Labels("item", item),
	}
}

// SetRedirect makes the scraper follow a redirect only to a URL check
// accepts: the server's own agent must not be led where it may not go.
func (s *Scraper) SetRedirect(check func(*url.URL) error) {
	s.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		if err := check(req.URL); err != nil {
			return fmt.Errorf("redirect refused: %w", err)
		}
		return nil
	}
}

// Collect scrapes once. An unreachable or broken exporter is not an error of
// the agent: it yields unyo_scrape_up 0 and the error says why.
func (s *Scraper) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	start := time.Now()
	ms := now.UnixMilli()
	families, err := s.fetch(ctx)
	var out []sample.Sample
	if err == nil {
		out = s.convert(families, ms)
	}
	up := 0.0
	if err == nil {
		up = 1
	}
	out = append(out,
		sample.Sample{Name: "unyo_scrape_up", Labels: s.labels, Value: up, TimeMs: ms},
		sample.Sample{Name: "unyo_scrape_duration_seconds", Labels: s.labels, Value: time.Since(start).Seconds(), TimeMs: ms},
		sample.Sample{Name: "unyo_scrape_samples", Labels: s.labels, Value: float64(len(out)), TimeMs: ms},
	)
	return out, err
}

func (s *Scraper) fetch(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	// Only the text format is parsed; say so, or exporters may send protobuf.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("User-Agent", "unyo-agent")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("exporter answered %s", resp.Status)
	}
	lr := &io.LimitedReader{R: resp.Body, N: maxBody + 1}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(lr)
	if lr.N <= 0 {
		return nil, fmt.Errorf("exporter sent more than %d bytes", maxBody)
	}
	if err != nil {
		return nil, fmt.Errorf("bad exposition: %w", err)
	}
	return families, nil
}

// convert flattens metric families into samples the way Prometheus stores a
// classic scrape: summaries and histograms become their _sum, _count,
// quantile and _bucket series.
func (s *Scraper) convert(families map[string]*dto.MetricFamily, ms int64) []sample.Sample {
	var out []sample.Sample
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			ls := s.metricLabels(m)
			t := ms
			if m.TimestampMs != nil {
				t = m.GetTimestampMs()
			}
			add := func(n string, v float64, extra ...sample.Label) {
				l := ls
				if len(extra) > 0 {
					l = append(append(make([]sample.Label, 0, len(ls)+1), ls...), extra...)
				}
				out = append(out, sample.Sample{Name: n, Labels: l, Value: v, TimeMs: t})
			}
			addFamily(mf.GetType(), name, m, add)
		}
	}
	return out
}

func addFamily(typ dto.MetricType, name string, m *dto.Metric, add func(string, float64, ...sample.Label)) {
	switch typ {
	case dto.MetricType_COUNTER:
		add(name, m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		add(name, m.GetGauge().GetValue())
	case dto.MetricType_SUMMARY:
		sum := m.GetSummary()
		for _, q := range sum.GetQuantile() {
			add(name, q.GetValue(), sample.Label{Name: "quantile", Value: labels.FormatOpenMetricsFloat(q.GetQuantile())})
		}
		add(name+"_sum", sum.GetSampleSum())
		add(name+"_count", float64(sum.GetSampleCount()))
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		h := m.GetHistogram()
		inf := false
		for _, b := range h.GetBucket() {
			inf = inf || math.IsInf(b.GetUpperBound(), 1)
			add(name+"_bucket", float64(b.GetCumulativeCount()), sample.Label{Name: "le", Value: labels.FormatOpenMetricsFloat(b.GetUpperBound())})
		}
		if !inf {
			add(name+"_bucket", float64(h.GetSampleCount()), sample.Label{Name: "le", Value: "+Inf"})
		}
		add(name+"_sum", h.GetSampleSum())
		add(name+"_count", float64(h.GetSampleCount()))
	default:
		add(name, m.GetUntyped().GetValue())
	}
}

func (s *Scraper) metricLabels(m *dto.Metric) []sample.Label {
	ls := make([]sample.Label, 0, len(m.GetLabel())+1)
	ls = append(ls, s.labels...)
	for _, lp := range m.GetLabel() {
		name := lp.GetName()
		if r, ok := renamed[name]; ok {
			name = r
		}
		ls = append(ls, sample.Label{Name: name, Value: lp.GetValue()})
	}
	return ls
}
