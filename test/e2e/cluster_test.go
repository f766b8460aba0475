package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// TestThreeReplicasOnPostgresAndVictoriaMetrics is issue 15's Done-when:
// three real servers on one PostgreSQL and one real VictoriaMetrics, remote
// write spread over them in turn; an alert fires once and its notification
// reaches a webhook receiver, which holds the request open; the replica that
// owns the tenant's rules and the delivery's claim is killed with SIGKILL
// mid-delivery. Then: the survivors take the leases within TTL+renew and
// send the interrupted delivery again once its claim expires (the outbox's
// at-least-once boundary: the receiver sees that key twice, answers it once);
// the incident's SLA warning and breach, due after the kill, are each sent
// once; the alert resolves on the replica that took its rules over, and
// every idempotency key is answered by the receiver exactly once.
func TestThreeReplicasOnPostgresAndVictoriaMetrics(t *testing.T) {
	const (
		ttl, renew    = 2 * time.Second, 500 * time.Millisecond
		notifyTimeout = 10 * time.Second                // the held request must still be in its attempt at the kill
		claimTTL      = 2*notifyTimeout + 5*time.Second // internal/outbox claimTTL
		poll          = time.Second                     // UNYO_NOTIFY_POLL's default
	)
	t.Setenv("UNYO_LEASE_TTL", ttl.String())
	t.Setenv("UNYO_LEASE_RENEW", renew.String())
	t.Setenv("UNYO_NOTIFY_TIMEOUT", notifyTimeout.String())
	t.Setenv("UNYO_SLA_INTERVAL", "200ms")
	t.Setenv("UNYO_CLUSTER_HEARTBEAT", "500ms")
	pg := dbtest.NewPostgres(t, false)
	vm := startVictoriaMetrics(t)
	hook := newHoldingHook(t)

	// One sealing key for all: a channel secret stored by one replica is
	// opened by the others (docs/deploy.md).
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(id string) *server {
		return startServer(t, filepath.Join(t.TempDir(), id), "--database", pg, "--replica-id", id,
			"--secret-key-file", keyFile, "--metrics-store", "remote", "--metrics-write-url", vm+"/api/v1/write",
			"--metrics-query-url", vm, "--metrics-tenant-mode", "extra_label")
	}

	// r1 alone first: the tenant, its channel and policy, a service whose
	// acknowledge target is 8 s (warning at 6 s, after the kill), a host in
	// it and a CPU item. r1 takes the tenant's leases; r2 and r3 join.
	ids := []string{"r1", "r2", "r3"}
	replicas := map[string]*server{"r1": start("r1")}
	r1 := replicas["r1"]
	ingest, read := r1.tenantWithTokens("acme")
	base := "/api/v1/tenants/acme"
	r1.mustJSON(201, "POST", base+"/channels", "", map[string]any{"name": "noc", "type": "webhook",
		"config": map[string]string{"url": hook.url(), "secret": webhooktest.Secret}}, nil)
	r1.mustJSON(201, "POST", base+"/escalation-policies", "", map[string]any{"name": "standard", "default": true,
		"steps": []any{map[string]any{"targets": []string{"noc"}, "wait": "15m"}}}, nil)
	var svc, host struct {
		ID int64 `json:"id"`
	}
	r1.mustJSON(201, "POST", base+"/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"acknowledge_target": "8s", "identify_target": "1h", "resolve_target": "4h"}}, &svc)
	r1.mustJSON(201, "POST", base+"/resources", "", map[string]any{"name": "web-01", "kind": "host", "service_id": svc.ID}, &host)
	r1.mustJSON(201, "POST", base+"/monitoring/items", "", map[string]any{
		"resource_id": host.ID, "name": "cpu", "kind": "metric", "title": map[string]string{"ja": "CPU 使用率", "en": "CPU usage"},
		"metric": map[string]string{"series": "node_cpu_busy_percent"}, "interval": "5s",
		"threshold": map[string]any{"op": ">", "warning": 80, "critical": 90, "recovery": 75},
	}, nil)
	replicas["r2"], replicas["r3"] = start("r2"), start("r3")

	db, err := database.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dead := map[string]bool{}
	live := func() []*server {
		var out []*server
		for _, id := range ids {
			if !dead[id] {
				out = append(out, replicas[id])
			}
		}
		return out
	}
	leaseNames := []string{"alert/acme", "escalation/acme", "sla/acme"}
	holders := func() (map[string]string, int) { // lease → replica, and the replicas up
		var v struct {
			Replicas []struct {
				ID     string `json:"id"`
				Up     bool   `json:"up"`
				Leases []struct {
					Name string `json:"name"`
				} `json:"leases"`
			} `json:"replicas"`
		}
		live()[0].mustJSON(200, "GET", "/api/v1/cluster", "", nil, &v)
		out, up := map[string]string{}, 0
		for _, r := range v.Replicas {
			if r.Up {
				up++
			}
			for _, l := range r.Leases {
				out[l.Name] = r.ID
			}
		}
		return out, up
	}
	until(t, "three replicas up, acme's leases held", 30*time.Second, func() bool {
		h, up := holders()
		return up == 3 && h["alert/acme"] != "" && h["escalation/acme"] != "" && h["sla/acme"] != ""
	})

	// Remote write in turn to each live replica, as a round-robin balancer
	// would; every answer must be 204.
	pushed, next := 0, 0
	push := func(v float64) {
		l := live()
		l[next%len(l)].push(ingest, []prompb.TimeSeries{{
			Labels:  []prompb.Label{{Name: "__name__", Value: "node_cpu_busy_percent"}, {Name: "host", Value: "web-01"}},
			Samples: []prompb.Sample{{Value: v, Timestamp: time.Now().UnixMilli()}},
		}})
		next++
		pushed++
	}
	for range 3 {
		push(20)
	}

	// The alert fires; its notification is the first request the receiver
	// gets, and it holds it.
	hook.holdNext()
	var heldKey string
	until(t, "the firing notification at the receiver", 90*time.Second, func() bool {
		select {
		case heldKey = <-hook.held:
			return true
		default:
		}
		push(93.5)
		time.Sleep(200 * time.Millisecond)
		return false
	})

	// Who claimed the delivery being held, and who owns acme's rules.
	var claim string
	var claimUntil int64
	if err := db.QueryRow(`SELECT claim, claim_until FROM outbox_deliveries WHERE tenant_id=? AND state=?`, "acme", "sending").Scan(&claim, &claimUntil); err != nil {
		t.Fatalf("the delivery held at the receiver is not claimed in the database: %v", err)
	}
	leases, _ := holders()
	claimer := claim[:strings.IndexByte(claim, ':')]
	owner := leases["alert/acme"]
	victims := []string{owner}
	if claimer != owner {
		// The claim went to another replica's poll before the owner's
		// own wake-up: both are killed, each being one of the two roles.
		victims = append(victims, claimer)
	}
	t.Logf("leases %v; delivery %s claimed by %s until %s; killing %v",
		leases, heldKey, claimer, time.UnixMilli(claimUntil).Format("15:04:05.000"), victims)
	killed := time.Now()
	for _, id := range victims {
		if err := replicas[id].stop(syscall.SIGKILL); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("kill -9 %s: %v", id, err)
		}
		dead[id] = true
	}
	// Cut by the kill, not by the attempt's time-out: still sending under
	// the dead replica's claim.
	var state string
	if err := db.QueryRow(`SELECT state FROM outbox_deliveries WHERE claim=?`, claim).Scan(&state); err != nil || state != "sending" {
		t.Fatalf("the held delivery after the kill: state %q (%v), want still sending under %s's claim", state, err, claimer)
	}

	for _, s := range live() {
		if n := metricValue(s, "unyo_metrics_store_write_requests_total"); n < 1 {
			t.Errorf("%s forwarded %v remote-write requests to VictoriaMetrics, want some: the writes were not spread", s.url, n)
		}
	}

	// The survivors take every lease of acme within TTL + renew.
	bound := ttl + renew
	until(t, "acme's leases taken by survivors", bound+5*time.Second, func() bool {
		h, _ := holders()
		for _, n := range leaseNames {
			if h[n] == "" || dead[h[n]] {
				return false
			}
		}
		leases = h
		return true
	})
	leaseTook := time.Since(killed)
	// The interrupted delivery is sent again once its claim expires, at the
	// next poll of a survivor.
	resendBound := time.UnixMilli(claimUntil).Sub(killed) + poll
	until(t, "the interrupted delivery sent again", claimTTL+poll+10*time.Second, func() bool {
		return hook.count(heldKey) == 2
	})
	resendTook := time.Since(killed)
	t.Logf("kill -9 of %v: leases %v after %s (bound TTL+renew = %s); delivery %s sent again after %s (bound claim expiry + poll = %s)",
		victims, leases, leaseTook.Round(10*time.Millisecond), bound, heldKey, resendTook.Round(10*time.Millisecond), resendBound.Round(10*time.Millisecond))
	if leaseTook > bound+time.Second {
		t.Errorf("leases taken over after %s, above the bound %s (+1s for polling)", leaseTook, bound)
	}
	if resendTook > resendBound+time.Second {
		t.Errorf("the interrupted delivery was sent again after %s, above the bound %s (+1s for polling)", resendTook, resendBound)
	}

	// The SLA warning and breach (due 6 and 8 s after the incident opened)
	// reach the receiver, then the good samples resolve the alert.
	until(t, "the SLA warning and breach at the receiver", 60*time.Second, func() bool {
		return len(hook.keys("warning")) > 0 && len(hook.keys("breach")) > 0
	})
	until(t, "the alert resolved", 90*time.Second, func() bool {
		push(60)
		time.Sleep(200 * time.Millisecond)
		return len(live()[0].alertsOf(read, "acme", "state=resolved")) > 0
	})
	until(t, "the resolved notification at the receiver", 60*time.Second, func() bool { return len(hook.keys("resolved")) > 0 })
	until(t, "no delivery left pending or sending", 60*time.Second, func() bool {
		s := live()[0]
		return len(s.notifications("acme", "state=pending")) == 0 && len(s.notifications("acme", "state=sending")) == 0
	})

	// Fired once, resolved once, by the rules' owner and its heir.
	alerts := live()[0].alertsOf(read, "acme", "")
	if len(alerts) != 1 {
		t.Fatalf("acme's alerts: %+v; want one, fired once", alerts)
	}
	var fired e2eAlert
	live()[0].mustJSON(200, "GET", fmt.Sprintf("%s/alerts/%d", base, alerts[0].ID), read, nil, &fired)
	if fired.State != "resolved" || len(fired.Events) != 2 || fired.Events[0].To != "firing" || fired.Events[1].To != "resolved" {
		t.Fatalf("alert %d: %s, events %+v; want fired once, then resolved", fired.ID, fired.State, fired.Events)
	}
	// One key per notice, each answered once; only the held one came twice.
	for status, want := range map[string]int{"firing": 1, "resolved": 1, "warning": 1, "breach": 1} {
		if got := hook.keys(status); len(got) != want {
			t.Errorf("%s notifications: keys %v, want %d", status, got, want)
		}
	}
	if k := hook.keys("firing"); len(k) == 1 && k[0] != heldKey {
		t.Errorf("the held delivery was %s, not the firing notification %s", heldKey, k[0])
	}
	for key, n := range hook.answered() {
		if n != 1 {
			t.Errorf("%s answered %d times at the receiver, want once", key, n)
		}
	}
	if got := hook.count(heldKey); got != 2 {
		t.Errorf("the held delivery arrived %d times, want 2 (cut by the kill, then again)", got)
	}
	if r := hook.rejections(); len(r) > 0 {
		t.Errorf("the receiver refused requests: %v", r)
	}
	if s := live()[0]; len(s.notifications("acme", "state=dead")) != 0 {
		t.Errorf("dead deliveries: %+v", s.notifications("acme", "state=dead"))
	}
	// Every sample a replica answered 204 for is in VictoriaMetrics.
	until(t, "every pushed sample in VictoriaMetrics", 30*time.Second, func() bool {
		got := live()[0].query(read, `count_over_time(node_cpu_busy_percent[30m])`, float64(time.Now().Unix()))
		return len(got) == 1 && int(got[0].Value) == pushed
	})
	t.Logf("%d samples pushed over %v, all in VictoriaMetrics; receiver: %v", pushed, ids, hook.summary())
}

// until polls cond every 50 ms until it holds, and returns how long that
// took, or fails the test after limit.
func until(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// metricValue is the sum of a counter on s's /metrics, -1 if absent.
func metricValue(s *server, name string) float64 {
	code, body := s.call("GET", "/metrics", "", nil)
	if code != 200 {
		s.t.Fatalf("/metrics = %d", code)
	}
	sum, found := 0.0, false
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
			var v float64
			if _, err := fmt.Sscan(rest[strings.LastIndexByte(rest, ' ')+1:], &v); err == nil {
				sum, found = sum+v, true
			}
		}
	}
	if !found {
		return -1
	}
	return sum
}

// holdingHook is a webhook receiver that checks each request as
// docs/notifications.md tells receivers to (signature, idempotency key),
// records every arrival, and can hold one request open without answering
// until its sender goes away.
type holdingHook struct {
	srv  *httptest.Server
	held chan string // the key of the request being held

	mu       sync.Mutex
	hold     bool
	arrivals []hookArrival
	refused  []string
}

type hookArrival struct {
	key, status string
	answered    bool // the receiver answered 204; false: held until the sender died
}

func newHoldingHook(t *testing.T) *holdingHook {
	h := &holdingHook{held: make(chan string, 1)}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *holdingHook) url() string { return h.srv.URL + "/hooks/unyo" }

// holdNext makes the receiver hold the next request it accepts.
func (h *holdingHook) holdNext() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold = true
}

func (h *holdingHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	var p webhook.Payload
	why := ""
	if err := webhook.Verify([]byte(webhooktest.Secret), r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body, time.Minute); err != nil {
		why = "signature: " + err.Error()
	} else if err := json.Unmarshal(body, &p); err != nil {
		why = "payload: " + err.Error()
	} else if k := r.Header.Get(webhook.HeaderIdempotencyKey); k == "" || k != p.IdempotencyKey {
		why = fmt.Sprintf("idempotency header %q, payload %q", k, p.IdempotencyKey)
	}
	h.mu.Lock()
	if why != "" {
		h.refused = append(h.refused, why)
		h.mu.Unlock()
		http.Error(w, why, http.StatusBadRequest)
		return
	}
	i, hold := len(h.arrivals), h.hold
	h.arrivals = append(h.arrivals, hookArrival{key: p.IdempotencyKey, status: string(p.Status)})
	h.hold = false
	h.mu.Unlock()
	if hold {
		h.held <- p.IdempotencyKey
		<-r.Context().Done() // the sender's connection closed
		return
	}
	w.WriteHeader(http.StatusNoContent)
	h.mu.Lock()
	h.arrivals[i].answered = true
	h.mu.Unlock()
}

// count is how many times key arrived, answered or not.
func (h *holdingHook) count(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, a := range h.arrivals {
		if a.key == key {
			n++
		}
	}
	return n
}

// keys are the distinct keys that arrived with status.
func (h *holdingHook) keys(status string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, a := range h.arrivals {
		if a.status == status && !slices.Contains(out, a.key) {
			out = append(out, a.key)
		}
	}
	return out
}

// answered counts the 204 answers per key, for every key that arrived.
func (h *holdingHook) answered() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, a := range h.arrivals {
		out[a.key] += 0
		if a.answered {
			out[a.key]++
		}
	}
	return out
}

func (h *holdingHook) rejections() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.refused)
}

func (h *holdingHook) summary() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, a := range h.arrivals {
		fmt.Fprintf(&b, "[%s %s answered=%v] ", a.status, a.key, a.answered)
	}
	return b.String()
}
