package e2e

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// rawPoints reads the raw samples of the series q selects over the last
// hour (a range-vector instant query), by host.
func (s *server) rawPoints(token, q string) map[string][][2]float64 {
	s.t.Helper()
	v := url.Values{"query": {q + "[1h]"}}
	code, body := s.call("GET", "/api/v1/query?"+v.Encode(), token, nil)
	if code != 200 {
		s.t.Fatalf("query %q = %d: %s", q, code, body)
	}
	var resp struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		s.t.Fatalf("query %q: %v %s", q, err, body)
	}
	out := map[string][][2]float64{}
	for _, r := range resp.Data.Result {
		for _, p := range r.Values {
			ts, _ := p[0].(float64)
			val, _ := strconv.ParseFloat(fmt.Sprint(p[1]), 64)
			out[r.Metric["host"]] = append(out[r.Metric["host"]], [2]float64{ts, val})
		}
	}
	return out
}

// TestCloudMetricsQueryable: the real binary pulls an Azure SQL database's
// and an AWS load balancer's metrics from the Azure Monitor batch and
// CloudWatch contract fakes, through cloud accounts and resources created
// with the API; the series are queryable in PromQL with every minute of
// the first pull's window and the values the clouds served, the calls are
// counted in the self metrics, and after a restart on the same data the
// series still hold each minute once, none missing.
func TestCloudMetricsQueryable(t *testing.T) {
	const (
		dir, client, secret, sub = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5", "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK", "11111111-2222-4333-8444-555555555555"
		keyID, keySecret         = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	defer srv.Close()
	batchScope := "https://metrics.monitor.azure.com/.default"
	entra := &cloudtest.Entra{Tenant: dir, ClientID: client, Secret: secret, Scope: srv.URL + "/.default", Scopes: []string{batchScope}}
	entra.Register(mux, srv.URL)
	monitor := &cloudtest.AzureMonitor{Entra: entra, Subscription: sub, ARMScope: srv.URL + "/.default", BatchScope: batchScope, Now: time.Now}
	monitor.RegisterBatch(mux)
	monitor.RegisterARM(mux)
	cw := cloudtest.NewCloudWatch(keyID, keySecret)
	mux.Handle("POST /service/", cw)
	sqlID := "/subscriptions/" + sub + "/resourceGroups/rg-shop/providers/Microsoft.Sql/servers/sql-shop/databases/orders"
	monitor.Add(cloudtest.AzureResource{ID: sqlID, Namespace: "Microsoft.Sql/servers/databases", Region: "japaneast"})
	albARN := "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/alb-shop/50dc6c495c0c9188"

	certFile := filepath.Join(t.TempDir(), "fake.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", certFile)
	t.Setenv("UNYO_CLOUD_METRICS_INTERVAL", "1s")
	t.Setenv("UNYO_CLOUD_METRICS_AZURE_BATCH_ENDPOINT", srv.URL+"/regions/{region}")

	data := t.TempDir()
	s := startServer(t, data)
	_, read := s.tenantWithTokens("acme")
	var az, aws struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": dir, "client_id": client, "client_secret": secret, "subscription_id": sub,
			"resource_manager": srv.URL, "login": srv.URL}}, &az)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-aws", "provider": "aws",
		"aws": map[string]any{"access_key_id": keyID, "secret_access_key": keySecret, "regions": []string{"ap-northeast-1"}, "endpoint": srv.URL}}, &aws)
	// As discovery registers them.
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "sqldb-orders", "kind": "database", "labels": map[string]string{
		"cloud": "azure", "cloud_type": "sql_database", "cloud_id": sqlID, "cloud_account": fmt.Sprint(az.ID), "region": "japaneast"}}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "alb-shop", "kind": "load_balancer", "labels": map[string]string{
		"cloud": "aws", "cloud_type": "alb", "cloud_id": albARN, "cloud_account": fmt.Sprint(aws.ID), "region": "ap-northeast-1"}}, nil)

	// contiguous checks a series: a point every minute, each once, with
	// the fake's value, at least n of them.
	contiguous := func(points [][2]float64, resource, metric string, n int) string {
		if len(points) < n {
			return fmt.Sprintf("%d points, want at least %d", len(points), n)
		}
		for i, p := range points {
			at := time.Unix(int64(p[0]), 0).UTC()
			if i > 0 && p[0]-points[i-1][0] != 60 {
				return fmt.Sprintf("points %v and %v are not a minute apart", points[i-1], p)
			}
			if want := cloudtest.MetricValue(resource, metric, "", at); p[1] != want {
				return fmt.Sprintf("%s at %s = %v, want %v", metric, at, p[1], want)
			}
		}
		return ""
	}
	check := func(s *server) string {
		if m := contiguous(s.rawPoints(read, `azure_sql_database_dtu_consumption_percent`)["sqldb-orders"], sqlID, "dtu_consumption_percent", 10); m != "" {
			return "azure: " + m
		}
		return contiguous(s.rawPoints(read, `aws_alb_httpcode_elb_5xx_count`)["alb-shop"], "app/alb-shop/50dc6c495c0c9188", "HTTPCode_ELB_5XX_Count", 10)
	}
	eventually(t, 30*time.Second, func() string { return check(s) })
	_, metrics := s.call("GET", "/metrics", "", nil)
	for _, want := range []string{`operation="getBatch"`, `operation="GetMetricData"`} {
		if !strings.Contains(string(metrics), "unyo_cloud_metrics_api_calls_total") || !strings.Contains(string(metrics), want) {
			t.Fatalf("self metrics lack unyo_cloud_metrics_api_calls_total{%s}", want)
		}
	}
	for _, c := range monitor.Calls() {
		if c.API != "getBatch" {
			t.Fatalf("Azure call %+v: want the batch API", c)
		}
	}

	// After a restart the first pull asks from the minute after the last
	// point stored before it, not from the backfill: the marks survived.
	before := s.rawPoints(read, `aws_alb_httpcode_elb_5xx_count`)["alb-shop"]
	last := time.Unix(int64(before[len(before)-1][0]), 0).UTC()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	calls := len(cw.Calls())
	s = startServer(t, data)
	eventually(t, 90*time.Second, func() string { // the next minute
		if len(cw.Calls()) == calls {
			return "no pull since the restart"
		}
		return check(s)
	})
	for _, c := range cw.Calls()[calls:] {
		if !c.Start.After(last) {
			t.Fatalf("after the restart CloudWatch was asked from %s; the last point stored was %s", c.Start, last)
		}
	}
	if got := s.rawPoints(read, `aws_alb_httpcode_elb_5xx_count`)["alb-shop"]; len(got) <= len(before) {
		t.Fatalf("%d points after the restart, %d before", len(got), len(before))
	}
}
