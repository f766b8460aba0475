package sender

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/testwait"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestEncodeSamples(t *testing.T) {
	host := sample.Labels("host", "web-01", "env", "prod", "zone", "")
	rec, err := EncodeSamples([]sample.Sample{
		{Name: "node_load1", Value: 0.5, TimeMs: 1000},
		{Name: "up", Labels: sample.Labels("item", "x", "env", "dev", "Z", "upper"), Value: 1, TimeMs: 2000},
	}, host)
	if err != nil {
		t.Fatal(err)
	}
	req, err := DecodeSamples(rec)
	if err != nil {
		t.Fatal(err)
	}
	f := func(ts prompb.TimeSeries, want string, v float64, ms int64) {
		t.Helper()
		got := ""
		for _, l := range ts.Labels {
			got += l.Name + "=" + l.Value + " "
		}
		if got != want || ts.Samples[0].Value != v || ts.Samples[0].Timestamp != ms {
			t.Fatalf("series = %q %v, want %q %v@%d", got, ts.Samples, want, v, ms)
		}
	}
	f(req.Timeseries[0], "__name__=node_load1 env=prod host=web-01 ", 0.5, 1000)
	// Sorted by byte order, the sample's own label wins, empty values are left out.
	f(req.Timeseries[1], "Z=upper __name__=up env=dev host=web-01 item=x ", 1, 2000)
}

// receiver is a stand-in for unyo server that answers from a script.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	script  []int // status codes to answer in turn; 200 after
	got     []string
	headers http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	code := 200
	if len(r.script) > 0 {
		code, r.script = r.script[0], r.script[1:]
	}
	body, _ := io.ReadAll(req.Body)
	if code != 200 {
		w.WriteHeader(code)
		w.Write([]byte(`{"error": "nope", "field": "timeseries[0]"}`))
		return
	}
	r.headers = req.Header.Clone()
	switch req.URL.Path {
	case WritePath:
		raw, err := snappy.Decode(nil, body)
		var wr prompb.WriteRequest
		if err == nil {
			err = wr.Unmarshal(raw)
		}
		if err != nil {
			r.t.Errorf("bad remote-write body: %v", err)
		}
		r.got = append(r.got, wr.Timeseries[0].Labels[0].Value)
	case EventsPath:
		var evs []sample.Event
		if err := json.Unmarshal(body, &evs); err != nil {
			r.t.Errorf("bad events body: %v", err)
		}
		r.got = append(r.got, "event:"+evs[0].Message)
	}
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestRunRetriesAndDrops(t *testing.T) {
	rcv := &receiver{t: t, script: []int{503, 503, 429, 200, 400}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	buf, err := buffer.Open(buffer.Options{Dir: t.TempDir(), MaxBytes: 1 << 20}, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	for _, name := range []string{"a", "b", "c"} {
		rec, _ := EncodeSamples([]sample.Sample{{Name: name, Value: 1}}, nil)
		buf.Append(rec)
	}
	ev, _ := EncodeEvents([]sample.Event{{Time: time.Unix(0, 5).UTC(), Host: "h", Message: "disk full", Severity: "critical"}})
	buf.Append(ev)

	s := New(buf, Options{Server: srv.URL + "/", Token: "tok", MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	// The receiver sees the third batch before the sender reads its answer
	// and counts it: wait for the count too, or cancel can race it.
	waitFor(t, func() bool { return len(rcv.received()) == 3 && s.Stats().Sent == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// "a" got through after three failures, "b" was refused with 400 and dropped.
	if got := rcv.received(); got[0] != "a" || got[1] != "c" || got[2] != "event:disk full" {
		t.Fatalf("received %v, want [a c event:disk full]", got)
	}
	if st := s.Stats(); st.Sent != 3 || st.Rejected != 1 || st.Retries != 3 {
		t.Fatalf("stats = %+v, want 3 sent, 1 rejected, 3 retries", st)
	}
	if st := buf.Stats(); st.PendingBatches != 0 {
		t.Fatalf("buffer still holds %d batches", st.PendingBatches)
	}
	h := rcv.headers
	if h.Get("Authorization") != "Bearer tok" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("event headers = %v", h)
	}
}

func TestRemoteWriteHeaders(t *testing.T) {
	rcv := &receiver{t: t}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	buf, _ := buffer.Open(buffer.Options{Dir: t.TempDir(), MaxBytes: 1 << 20}, discard())
	defer buf.Close()
	rec, _ := EncodeSamples([]sample.Sample{{Name: "x", Value: 1}}, nil)
	buf.Append(rec)
	s := New(buf, Options{Server: srv.URL, Token: "tok"}, discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, func() bool { return len(rcv.received()) == 1 })
	cancel()
	<-done
	for k, v := range map[string]string{
		"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
		"X-Prometheus-Remote-Write-Version": "0.1.0", "Authorization": "Bearer tok",
	} {
		if got := rcv.headers.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.For(t, 10*time.Second, "the condition", cond)
}
