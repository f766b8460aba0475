package cli

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/lease"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// remoteWrite pushes one sample of metric for host to r's remote-write
// endpoint with the ingest token, and returns the status.
func remoteWrite(t *testing.T, r *replica, token, metric, host string, v float64) int {
	t.Helper()
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: metric}, {Name: "host", Value: host}},
		Samples: []prompb.Sample{{Value: v, Timestamp: time.Now().UnixMilli()}},
	}}}
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	hr, err := http.NewRequest(http.MethodPost, r.base+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, raw)))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Encoding", "snappy")
	hr.Header.Set("Content-Type", "application/x-protobuf")
	hr.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	hr.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSampleOnOtherReplicaFiresAtOnce (issue #15): two servers on one
// PostgreSQL, each with its own embedded TSDB, a CPU item evaluated every
// 10 minutes. A sample over the threshold written to the replica that does
// not own the tenant's rules fires the alert on the owner, and the webhook
// gets it, within seconds: the owner's timed evaluation (which could not
// see the sample anyway, in the other replica's TSDB) has no part in it.
func TestSampleOnOtherReplicaFiresAtOnce(t *testing.T) {
	t.Setenv("UNYO_LEASE_TTL", "3s")
	t.Setenv("UNYO_ALERT_RELOAD", "1s")
	t.Setenv("UNYO_NOTIFY_POLL", "100ms")
	t.Setenv("UNYO_NOTIFY_GROUP_WINDOW", "100ms")
	dsn := dbtest.URLFor(t, database.Postgres)
	key := sharedKey(t)
	a := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	b := startReplica(t, dsn, key, "--outbound-allow", "127.0.0.0/8")
	hook := webhooktest.NewServer(t)
	base := "/api/v1/tenants/acme"
	if c := a.status("POST", "/api/v1/tenants", admin, map[string]string{"id": "acme", "name": "ACME"}); c != 201 {
		t.Fatalf("creating the tenant: %d", c)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if c := a.status("POST", "/api/v1/tokens", admin, map[string]any{"name": "agent", "tenant": "acme", "scopes": []string{"ingest"}}, &tok); c != 201 {
		t.Fatalf("creating the ingest token: %d", c)
	}
	if c := a.status("POST", base+"/channels", admin, map[string]any{"name": "hook", "type": "webhook", "config": hook.Config()}); c != 201 {
		t.Fatalf("creating the channel: %d", c)
	}
	var res struct {
		ID int64 `json:"id"`
	}
	if c := a.status("POST", base+"/resources", admin, map[string]any{"name": "web-01", "kind": "host"}, &res); c != 201 {
		t.Fatalf("creating the host: %d", c)
	}
	item := map[string]any{"resource_id": res.ID, "name": "cpu", "kind": "metric", "interval": "10m",
		"metric":    map[string]string{"series": "node_cpu_busy_percent"},
		"threshold": map[string]any{"op": ">", "critical": 90, "recovery": 50},
		"notify":    []string{"hook"}}
	if c := a.status("POST", base+"/monitoring/items", admin, item); c != 201 {
		t.Fatalf("creating the item: %d", c)
	}
	_, other := owner(t, lease.Alerts, "acme", a, b)

	// Pushed to the other replica until its alert engine has the rule
	// (UNYO_ALERT_RELOAD) and the owner notifies: a push every 200ms.
	start := time.Now()
	took := awaitCond(t, 30*time.Second, "the webhook to get the firing alert", func() bool {
		if c := remoteWrite(t, other, tok.Token, "node_cpu_busy_percent", "web-01", 95); c/100 != 2 {
			t.Fatalf("remote write to the other replica: %d", c)
		}
		for _, m := range hook.Messages() {
			if m.Payload.Status == "firing" && m.Payload.Resource == "web-01" {
				return true
			}
		}
		time.Sleep(200 * time.Millisecond) // the pace of the pushes, not a wait for the result
		return false
	})
	t.Logf("a sample written to %s fired through the owner after %s (rule interval 10m)", other.a.replicaID, took)
	if time.Since(start) > time.Minute {
		t.Fatalf("took %s", time.Since(start))
	}
}
