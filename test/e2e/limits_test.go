package e2e

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// TestSlowLorisLoginIsCut: a client that sends a login body a byte at a
// time is cut off by the read timeout, although it never stops sending.
func TestSlowLorisLoginIsCut(t *testing.T) {
	const readTimeout = 2 * time.Second
	s := startServer(t, t.TempDir(), "--http-read-timeout", readTimeout.String(), "--http-read-header-timeout", "1s")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: unyo\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(readTimeout + 8*time.Second)
	for sent := 0; ; {
		select {
		case took := <-closed:
			if sent >= 1000 {
				t.Fatalf("the whole body was sent before the connection closed")
			}
			t.Logf("cut after %s, %d body bytes sent", took.Round(time.Millisecond), sent)
			return
		case <-tick.C:
			conn.Write([]byte("u")) // a write error is fine: the server may have closed
			sent++
		case <-deadline:
			t.Fatalf("the connection still open %s after a read timeout of %s, %d body bytes sent", time.Since(start).Round(time.Second), readTimeout, sent)
		}
	}
}

// TestTenantSeriesLimitThroughTheBinary: the flag's series limit holds one
// tenant's new series, the MSP admin raises it for that tenant over the API,
// and the refusals are counted per tenant in /metrics.
func TestTenantSeriesLimitThroughTheBinary(t *testing.T) {
	s := startServer(t, t.TempDir(), "--limit-series", "100")
	ingest, read := s.tenantWithTokens("acme")
	now := time.Now()
	batch := func(from, to int) []prompb.TimeSeries {
		var out []prompb.TimeSeries
		for i := from; i < to; i++ {
			out = append(out, prompb.TimeSeries{
				Labels:  []prompb.Label{{Name: "__name__", Value: "flood"}, {Name: "id", Value: fmt.Sprint(i)}},
				Samples: []prompb.Sample{{Timestamp: now.UnixMilli(), Value: float64(i)}},
			})
		}
		return out
	}
	write := func(series []prompb.TimeSeries) (int, string) {
		code, body := s.call("POST", "/api/v1/write", ingest, writeBody(series), "Content-Encoding", "snappy")
		return code, string(body)
	}
	if code, body := write(batch(0, 150)); code != 400 || !strings.Contains(body, `"limit":"max_series"`) {
		t.Fatalf("150 new series over a limit of 100: %d %s", code, body)
	}
	if got := s.query(read, "count(flood)", float64(now.UnixMilli())/1000+1); len(got) != 1 || got[0].Value != 100 {
		t.Fatalf("count(flood) = %+v, want 100", got)
	}
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/limits", "", map[string]any{"max_series": 200}, nil)
	if code, body := write(batch(100, 150)); code != 204 {
		t.Fatalf("after the MSP admin raised the limit: %d %s", code, body)
	}
	_, metrics := s.call("GET", "/metrics", "", nil)
	if !strings.Contains(string(metrics), `unyo_limits_refused_total{limit="max_series",tenant="acme"} 50`) {
		t.Fatalf("/metrics does not count acme's 50 refused series")
	}

	// A new tenant of a deleted one's ID starts at the defaults, not at the
	// limits the MSP admin gave the old one.
	s.mustJSON(204, "DELETE", "/api/v1/tenants/acme", "", nil, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "Acme again"}, nil)
	var view struct {
		Effective struct {
			MaxSeries int `json:"max_series"`
		} `json:"effective"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/limits", "", nil, &view)
	if view.Effective.MaxSeries != 100 {
		t.Fatalf("recreated tenant's max_series = %d, want the default 100", view.Effective.MaxSeries)
	}
}
