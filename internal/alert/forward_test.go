package alert

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// twoReplicas is a world whose engine (a) owns every tenant's rules, and a
// second engine (b) on the same database that owns none, forwarding with
// forward.
func twoReplicas(t *testing.T, forward func(a *Engine) ForwardFunc) (w *world, a, b *Engine) {
	t.Helper()
	w = newWorld(t, func(o *Options) { o.Owns = func(string) (int64, bool) { return 1, true } })
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	a = w.engine
	opts := Options{Now: w.clock, Notify: w.notify, Owns: func(string) (int64, bool) { return 1, false }}
	if forward != nil {
		opts.Forward = forward(a)
	}
	b = New(NewStore(w.raw), w.db, w.design, w.metrics, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := b.loadActive(ctx); err != nil {
		t.Fatal(err)
	}
	b.reloadRules(ctx)
	if !a.owns(ctx, "acme") { // loads a's state under its token, as its first evaluation does
		t.Fatal("a does not own acme")
	}
	return w, a, b
}

// observeOn has e observe a sample of web-01's CPU at the world's time and
// runs its queue once, as runObserved does: applied, or forwarded.
func observeOn(w *world, e *Engine, v float64) {
	lset := labels.FromStrings("__name__", "node_cpu_busy_percent", "host", "web-01", metricstore.TenantLabel, "acme")
	e.Observe("acme", lset, w.clock().UnixMilli(), v)
	ctx := context.Background()
	var pending []observation
	for len(e.observed) > 0 {
		pending = e.applyObserved(ctx, <-e.observed, pending)
	}
	if len(pending) > 0 {
		e.forward(ctx, pending)
	}
}

// TestForwardedSampleFiresOnOwner: a sample over the threshold arriving at
// the replica that does not own the tenant's rules reaches the owner
// through the notice and fires there, with no timed evaluation; the owner
// does not forward it back.
func TestForwardedSampleFiresOnOwner(t *testing.T) {
	var sent []string
	w, a, b := twoReplicas(t, func(a *Engine) ForwardFunc {
		return func(_ context.Context, payload string) error {
			sent = append(sent, payload)
			a.Arrived(payload)
			return nil
		}
	})
	observeOn(w, b, 95)
	if len(sent) != 1 || len(sent[0]) >= 8000 {
		t.Fatalf("b sent %d notices (%v), want one under 8000 bytes", len(sent), sent)
	}
	if got := w.alerts("acme"); len(got) != 0 {
		t.Fatalf("b applied a sample of a tenant it does not own: %+v", got)
	}
	if len(a.observed) != 1 {
		t.Fatalf("a queued %d forwarded samples, want 1", len(a.observed))
	}
	o := <-a.observed
	if p := a.applyObserved(context.Background(), o, nil); len(p) != 0 {
		t.Fatalf("the owner would forward a sample again: %+v", p)
	}
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring || got[0].Value == nil || *got[0].Value != 95 {
		t.Fatalf("after the owner took the forwarded sample: %+v, want one firing alert at 95", got)
	}
	if b.forwarded.Load() != 1 || a.arrived.Load() != 1 || b.forwardFailed.Load() != 0 {
		t.Fatalf("counted forwarded %d, arrived %d, failed %d; want 1, 1, 0", b.forwarded.Load(), a.arrived.Load(), b.forwardFailed.Load())
	}
	// b owns nothing: a notice reaching it is not queued.
	b.Arrived(sent[0])
	if len(b.observed) != 0 {
		t.Fatal("a replica that does not own the tenant queued a forwarded sample")
	}
}

// TestForwardFallsBackToTimer: when the notice cannot be sent, or there is
// no way to send it (SQLite), the sample is counted and dropped as before:
// nothing fires at once, and the owner's timed evaluation still fires it.
func TestForwardFallsBackToTimer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		forward func(a *Engine) ForwardFunc
		failed  int64
	}{
		{"notify fails", func(*Engine) ForwardFunc {
			return func(context.Context, string) error { return errors.New("connection refused") }
		}, 1},
		{"no forwarder", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, a, b := twoReplicas(t, tc.forward)
			// The sample is in the metrics store; the world's push has a
			// (the owner) observe it too: that is dropped, b received it.
			w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
			for len(a.observed) > 0 {
				<-a.observed
			}
			observeOn(w, b, 95)
			if got := w.alerts("acme"); len(got) != 0 {
				t.Fatalf("fired without forwarding or evaluation: %+v", got)
			}
			if b.forwardFailed.Load() != tc.failed || b.forwarded.Load() != 0 {
				t.Fatalf("counted failed %d, forwarded %d; want %d, 0", b.forwardFailed.Load(), b.forwarded.Load(), tc.failed)
			}
			w.eval()
			if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring {
				t.Fatalf("after the owner's timed evaluation: %+v, want one firing alert", got)
			}
		})
	}
}

// TestNoticeEncoding: a batch too big for one notice is split into notices
// under PostgreSQL's 8000 bytes that decode to every observation, values
// (NaN and infinities too), times and labels intact; one observation too
// big alone is counted, not sent.
func TestNoticeEncoding(t *testing.T) {
	r := &rule{key: "acme/7/12", tenant: "acme"}
	var obs []observation
	values := []float64{95, math.NaN(), math.Inf(1), math.Inf(-1), -0.5, 1e300}
	for i := range 300 {
		obs = append(obs, observation{rule: r, at: t0.Add(time.Duration(i) * time.Millisecond), value: values[i%len(values)],
			lset: labels.FromStrings("__name__", "node_cpu_busy_percent", "host", "web-01", "cpu", strings.Repeat("x", i%40))})
	}
	huge := observation{rule: r, at: t0, value: 1, lset: labels.FromStrings("__name__", "m", "big", strings.Repeat("y", 8000))}
	notices, left := encodeNotices("acme", append(obs[:150:150], append([]observation{huge}, obs[150:]...)...))
	if left != 1 {
		t.Fatalf("left %d observations unsent, want the one too big", left)
	}
	if len(notices) < 2 {
		t.Fatalf("%d notices for 300 observations, want them split", len(notices))
	}
	var got []noticeSample
	for _, n := range notices {
		if len(n.payload) >= 8000 {
			t.Fatalf("a notice of %d bytes", len(n.payload))
		}
		d, err := decodeNotice(n.payload)
		if err != nil {
			t.Fatal(err)
		}
		if d.Tenant != "acme" || len(d.Obs) != n.count {
			t.Fatalf("decoded tenant %q, %d samples; want acme, %d", d.Tenant, len(d.Obs), n.count)
		}
		got = append(got, d.Obs...)
	}
	if len(got) != len(obs) {
		t.Fatalf("decoded %d observations, want %d", len(got), len(obs))
	}
	for i, s := range got {
		o := obs[i]
		v, _ := strconv.ParseFloat(s.Value, 64)
		same := v == o.value || (math.IsNaN(v) && math.IsNaN(o.value))
		if s.Rule != r.key || s.At != o.at.UnixMilli() || !same || !labels.Equal(labels.FromMap(s.Labels), o.lset) {
			t.Fatalf("observation %d came back as %+v, sent %+v", i, s, o)
		}
	}
	for _, bad := range []string{``, `{}`, `{"t":"acme"}`, `{"t":"acme","o":[{"r":"k","l":{"__name__":"m"},"at":1,"v":"x"}]}`,
		`{"t":"acme","o":[{"r":"k","l":{},"at":1,"v":"1"}]}`, `{"t":"","o":[{"r":"k","l":{"__name__":"m"},"at":1,"v":"1"}]}`,
		`{"t":"acme","o":[{"r":"","l":{"__name__":"m"},"at":1,"v":"1"}]}`, `{"t":"acme","o":[{"r":"k","l":{"__name__":"m"},"at":-5,"v":"1"}]}`} {
		if _, err := decodeNotice(bad); err == nil {
			t.Errorf("decoded %q", bad)
		}
	}
}

// FuzzDecodeNotice: any payload on the channel is refused with an error or
// decodes to observations the engine can take, and never panics.
func FuzzDecodeNotice(f *testing.F) {
	f.Add(`{"t":"acme","o":[{"r":"acme/1/2","l":{"__name__":"m","host":"h"},"at":1700000000000,"v":"95"}]}`)
	f.Add(`{"t":"acme","o":[{"r":"k","l":{"__name__":"m"},"at":1,"v":"NaN"}]}`)
	f.Add(`{"t":"acme","o":null}`)
	f.Fuzz(func(t *testing.T, payload string) {
		n, err := decodeNotice(payload)
		if err != nil {
			return
		}
		if n.Tenant == "" || len(n.Obs) == 0 {
			t.Fatalf("decoded %q to %+v", payload, n)
		}
		for _, s := range n.Obs {
			if _, err := strconv.ParseFloat(s.Value, 64); err != nil || s.Rule == "" || s.At <= 0 || s.Labels["__name__"] == "" {
				t.Fatalf("decoded %q to a sample the engine cannot take: %+v", payload, s)
			}
		}
	})
}
