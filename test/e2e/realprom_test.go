package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestPrometheusAgentWithTenantLabels: a real Prometheus 2.42 in agent mode
// scrapes a target it labels tenant="outer" whose metrics carry tenant
// themselves, so it sends tenant and exported_tenant; unyo keeps every
// series, the clashing labels renamed further as Prometheus does, and loses
// none of the batch's unrelated series; the metadata it sends is served.
func TestPrometheusAgentWithTenantLabels(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")

	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, "# TYPE jobs_total counter\n"+
			"jobs_total{queue=\"a\",tenant=\"inner\"} 5\n"+
			"jobs_total{queue=\"b\"} 7\n")
	}))
	defer target.Close()
	addr := freeAddr(t)
	config := `global: {scrape_interval: 1s}
scrape_configs:
  - job_name: app
    static_configs:
      - targets: [` + yamlQuote(strings.TrimPrefix(target.URL, "http://")) + `]
        labels: {tenant: outer}
remote_write:
  - url: ` + yamlQuote(s.url+"/api/v1/write") + `
    authorization: {credentials: ` + yamlQuote(ingest) + `}
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
    metadata_config: {send: true, send_interval: 1s}
`
	prom := startPeer(t, "prometheus", addr, "/-/ready", config, "--enable-feature=agent", "--config.file={config}",
		"--storage.agent.path="+t.TempDir(), "--web.listen-address="+addr)

	// What the agent sends: its five scrape series, all labelled
	// tenant="outer", and the two jobs_total series.
	want := []string{
		`jobs_total exported_exported_tenant=outer exported_tenant=inner instance job=app queue=a tenant=acme`,
		`jobs_total exported_tenant=outer instance job=app queue=b tenant=acme`,
		`scrape_duration_seconds exported_tenant=outer instance job=app tenant=acme`,
		`scrape_samples_post_metric_relabeling exported_tenant=outer instance job=app tenant=acme`,
		`scrape_samples_scraped exported_tenant=outer instance job=app tenant=acme`,
		`scrape_series_added exported_tenant=outer instance job=app tenant=acme`,
		`up exported_tenant=outer instance job=app tenant=acme`,
	}
	var got []string
	await(t, 60*time.Second, func() string {
		got = got[:0]
		now := float64(time.Now().UnixMilli()) / 1000
		for _, smp := range s.query(read, `{__name__=~".+"}`, now) {
			got = append(got, describe(smp.Metric))
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Sprintf("unyo holds\n%s\nwant\n%s\nprometheus said: %s", strings.Join(got, "\n"), strings.Join(want, "\n"), prom.output)
		}
		return ""
	})
	// The agent's metadata is kept and served as Grafana's metric browser reads it.
	await(t, 60*time.Second, func() string {
		code, body := s.call("GET", "/api/v1/metadata?metric=jobs_total", read, nil)
		if code != 200 || !strings.Contains(string(body), `"jobs_total":[{"type":"counter"`) {
			return fmt.Sprintf("metadata = %d %s", code, body)
		}
		return ""
	})
	if strings.Contains(prom.output.String(), "appears twice") {
		t.Fatalf("unyo refused a batch: %s", prom.output)
	}
}

// describe writes a series as its name then its labels, sorted, with the
// instance label's value (a random port) left out.
func describe(m map[string]string) string {
	var parts []string
	for k, v := range m {
		switch k {
		case "__name__":
		case "instance":
			parts = append(parts, k)
		default:
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return m["__name__"] + " " + strings.Join(parts, " ")
}
