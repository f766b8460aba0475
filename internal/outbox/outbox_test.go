package outbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/notify/teams/teamstest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

func TestEnqueueDeliversOncePerKey(t *testing.T) {
	e := newEnv(t)
	srv := slacktest.NewServer(t)
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	ctx := context.Background()
	n := alert("acme", "alert-1-firing", "CPU 使用率が高い", notify.StatusFiring)
	n.Routes = []string{"ops"}
	for range 3 {
		if err := o.Enqueue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "delivered", func() bool { return e.states(t, o, "acme")[StateDelivered] == 1 })
	msgs := srv.Messages()
	if len(msgs) != 1 || len(srv.Rejections()) != 0 {
		t.Fatalf("slack got %d messages, rejections %v; want exactly one", len(msgs), srv.Rejections())
	}
	if !strings.Contains(msgs[0].AllText(), "CPU 使用率が高い") || !strings.Contains(msgs[0].AllText(), "発生") {
		t.Errorf("message not rendered in acme's language: %s", msgs[0].AllText())
	}
	var count int
	e.db.QueryRow(`SELECT COUNT(*) FROM outbox_messages WHERE tenant_id='acme' AND key=?`, n.Key).Scan(&count)
	if count != 1 {
		t.Fatalf("stored %d rows for one key", count)
	}
	// The same key in another tenant is another notification.
	srvB := slacktest.NewServer(t)
	e.addChannel(t, "beta", "ops", "slack", map[string]string{"webhook_url": srvB.WebhookURL()})
	n.Tenant = "beta"
	n.Message.Title = "CPU high"
	if err := o.Enqueue(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got, err := srvB.WaitFor(1, 10*time.Second); err != nil || !strings.Contains(got[0].AllText(), "FIRING") {
		t.Fatalf("beta: %v %v", got, err)
	}
	if len(srv.Messages()) != 1 {
		t.Fatal("beta's notification reached acme's Slack")
	}
}

func TestRetryThenDelivered(t *testing.T) {
	e := newEnv(t)
	srv := teamstest.NewServer(t)
	srv.FailNext(1, 500, "busy")
	e.addChannel(t, "acme", "teams", "teams", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	n := alert("acme", "k1", "disk full", notify.StatusFiring)
	n.Routes = []string{"teams"}
	if err := o.Enqueue(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	eventually(t, "delivered", func() bool { return e.states(t, o, "acme")[StateDelivered] == 1 })
	list, _ := o.Deliveries(context.Background(), "acme", Filter{})
	if list[0].Attempts != 2 || srv.Requests() != 2 || len(srv.Messages()) != 1 {
		t.Fatalf("attempts %d, requests %d, accepted %d; want 2, 2, 1", list[0].Attempts, srv.Requests(), len(srv.Messages()))
	}
}

func TestRetryAfterIsRespected(t *testing.T) {
	e := newEnv(t)
	o := e.outbox(t, Options{BackoffBase: time.Millisecond}, nil)
	o.jitter = func() float64 { return 0 }
	err := notify.RetryAfter(errTest, 30*time.Second)
	if d := o.backoff(1, err); d != 30*time.Second {
		t.Fatalf("backoff with Retry-After 30s = %v", d)
	}
	o.opts.BackoffBase, o.opts.BackoffMax = time.Second, time.Minute
	for attempts, want := range map[int]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 20: 30 * time.Second} {
		if d := o.backoff(attempts, errTest); d != want {
			t.Errorf("backoff(%d) without jitter = %v, want %v", attempts, d, want)
		}
	}
	o.jitter = func() float64 { return 0.999 }
	if d := o.backoff(3, errTest); d <= 2*time.Second || d > 4*time.Second {
		t.Errorf("backoff(3) with full jitter = %v, want in (2s, 4s]", d)
	}
}

var errTest = invalid.New("x", "test")

// TestDeadLetter: a permanent refusal is dead after one attempt; a
// temporary one after MaxAttempts. Both show in the API's dead filter, and a
// retry by hand delivers once the destination works.
func TestDeadLetter(t *testing.T) {
	e := newEnv(t)
	srv := slacktest.NewServer(t)
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{MaxAttempts: 3}, nil)
	e.start(t, o)
	ctx := context.Background()
	srv.FailNext(1, 404, "no_service")
	n := alert("acme", "perm", "p", notify.StatusFiring)
	n.Routes = []string{"ops"}
	o.Enqueue(ctx, n)
	eventually(t, "dead", func() bool { return e.states(t, o, "acme")[StateDead] == 1 })
	dead, _ := o.Deliveries(ctx, "acme", Filter{State: StateDead})
	if len(dead) != 1 || dead[0].Attempts != 1 || !strings.Contains(dead[0].LastError, "404") {
		t.Fatalf("dead after a 404: %+v", dead)
	}
	srv.FailNext(3, 503, "down")
	n2 := alert("acme", "temp", "t", notify.StatusFiring)
	n2.Routes = []string{"ops"}
	o.Enqueue(ctx, n2)
	eventually(t, "second dead", func() bool { return e.states(t, o, "acme")[StateDead] == 2 })
	dead, _ = o.Deliveries(ctx, "acme", Filter{State: StateDead})
	if dead[0].Key != "temp" || dead[0].Attempts != 3 || !strings.Contains(dead[0].LastError, "503") {
		t.Fatalf("dead after 3 x 503: %+v", dead[0])
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a failed delivery was recorded as accepted")
	}
	if _, err := o.Retry(ctx, "acme", dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitFor(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, "retried delivered", func() bool { return e.states(t, o, "acme")[StateDelivered] == 1 })
	if _, err := o.Retry(ctx, "acme", dead[0].ID); err == nil {
		t.Fatal("retry of a delivered notification was accepted")
	}
}

// TestCrashSafety: a notification enqueued by a process that stopped
// before delivering, and one claimed but not finished, are each delivered
// exactly once after the restart.
func TestCrashSafety(t *testing.T) {
	e := newEnv(t)
	srv := webhooktest.NewServer(t)
	cfg := srv.Config()
	e.addChannel(t, "acme", "hook", "webhook", map[string]string{"url": cfg.URL, "secret": cfg.Secret})
	ctx := context.Background()
	first := e.outbox(t, Options{}, nil) // never started: the process "dies" first
	for _, k := range []string{"a", "b", "c"} {
		n := alert("acme", k, "t-"+k, notify.StatusFiring)
		n.Routes = []string{"hook"}
		if err := first.Enqueue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.dispatchPending(ctx); err != nil {
		t.Fatal(err)
	}
	if jobs, err := first.claim(ctx, 1); err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %v, %v", jobs, err)
	}
	if got := e.states(t, first, "acme"); got[StateSending] != 1 || got[StatePending] != 2 {
		t.Fatalf("before the crash: %v", got)
	}
	e.db.Close()

	e.open(t)
	second := e.outbox(t, Options{}, nil)
	e.start(t, second)
	eventually(t, "all delivered", func() bool { return e.states(t, second, "acme")[StateDelivered] == 3 })
	keys := map[string]int{}
	for _, m := range srv.Messages() {
		keys[m.Payload.IdempotencyKey]++
	}
	if len(keys) != 3 || keys["a"] != 1 || keys["b"] != 1 || keys["c"] != 1 {
		t.Fatalf("deliveries by key after restart: %v, want a, b, c once each", keys)
	}
}

// TestGrouping: firing notifications of one group within the window go out
// as one message listing them; a resolved one is not held back behind it.
func TestGrouping(t *testing.T) {
	e := newEnv(t)
	srv := slacktest.NewServer(t)
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{GroupWindow: 2 * time.Second}, nil)
	ctx := context.Background()
	for _, k := range []string{"cpu", "mem", "disk"} {
		n := alert("acme", k, k+" high", notify.StatusFiring)
		n.Routes, n.Group = []string{"ops"}, "host:web-01"
		o.Enqueue(ctx, n)
	}
	r := alert("acme", "swap-resolved", "swap ok", notify.StatusResolved)
	r.Routes, r.Group = []string{"ops"}, "host:web-01"
	o.Enqueue(ctx, r)
	e.start(t, o)
	// The first of the burst goes at once, the resolved one is never held,
	// and the two that followed the first within the window go as one.
	msgs, err := srv.WaitFor(3, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var alone, resolved, group []string
	for _, m := range msgs {
		switch txt := m.AllText(); {
		case strings.Contains(txt, "2 件の通知"):
			group = append(group, txt)
		case strings.Contains(txt, "swap ok"):
			resolved = append(resolved, txt)
		case strings.Contains(txt, "cpu high"):
			alone = append(alone, txt)
		}
	}
	if len(alone) != 1 || len(resolved) != 1 || len(group) != 1 {
		t.Fatalf("messages: first alone %d, resolved %d, groups %d:\n%v", len(alone), len(resolved), len(group), msgs)
	}
	if !strings.Contains(group[0], "mem high") || !strings.Contains(group[0], "disk high") || strings.Contains(group[0], "cpu high") {
		t.Errorf("group message: %s", group[0])
	}
	if !strings.Contains(msgs[2].AllText(), "2 件の通知") {
		t.Errorf("the group came before the window closed: %s", msgs[2].AllText())
	}
	eventually(t, "all delivered", func() bool { return e.states(t, o, "acme")[StateDelivered] == 4 })
	if len(srv.Messages()) != 3 {
		t.Fatalf("slack got %d messages, want 3", len(srv.Messages()))
	}
}

func TestEnqueueRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	o := e.outbox(t, Options{}, nil)
	ctx := context.Background()
	f := func(mut func(*Notification), field string) {
		t.Helper()
		n := alert("acme", "k", "t", notify.StatusFiring)
		mut(&n)
		err := o.Enqueue(ctx, n)
		if ie, ok := invalid.As(err); !ok || ie.Field != field {
			t.Errorf("Enqueue = %v, want field %q", err, field)
		}
	}
	f(func(n *Notification) { n.Tenant = "" }, "tenant")
	f(func(n *Notification) { n.Key = "" }, "key")
	f(func(n *Notification) { n.Message.Severity = "huge" }, "message.severity")
	f(func(n *Notification) { n.Message.Status = notify.StatusBreach }, "message.status")
	f(func(n *Notification) { n.Routes = []string{" "} }, "routes[0]")
	var count int
	e.db.QueryRow(`SELECT COUNT(*) FROM outbox_messages`).Scan(&count)
	if count != 0 {
		t.Fatalf("refused notifications stored: %d", count)
	}
}

// TestNoRouteIsVisible: a notification with no route and no escalation
// policy is not silently dropped.
func TestNoRouteIsVisible(t *testing.T) {
	e := newEnv(t)
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	o.Enqueue(context.Background(), alert("acme", "lost", "nobody", notify.StatusFiring))
	eventually(t, "dead", func() bool { return e.states(t, o, "acme")[StateDead] == 1 })
	dead, _ := o.Deliveries(context.Background(), "acme", Filter{State: StateDead})
	if !strings.Contains(dead[0].LastError, "no route") {
		t.Fatalf("dead: %+v", dead[0])
	}
}

// TestSecretsNotLogged: failures are logged with the destination's host
// only, never the webhook's secret path, query token or header values.
func TestSecretsNotLogged(t *testing.T) {
	e := newEnv(t)
	srv := webhooktest.NewServer(t)
	srv.FailNext(2, 500, "oops")
	e.addChannel(t, "acme", "hook", "webhook", map[string]any{"url": srv.WebhookURL() + "?token=qs-secret-1", "secret": webhooktest.Secret,
		"headers": map[string]string{"Authorization": "Bearer hdr-secret-2"}})
	slackSrv := slacktest.NewServer(t)
	slackSrv.FailNext(1, 404, "no_service")
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": slackSrv.WebhookURL()})
	o := e.outbox(t, Options{MaxAttempts: 2}, nil)
	e.start(t, o)
	n := alert("acme", "k", "t", notify.StatusFiring)
	n.Routes = []string{"hook", "ops"}
	o.Enqueue(context.Background(), n)
	eventually(t, "both dead", func() bool { return e.states(t, o, "acme")[StateDead] == 2 })
	logs := e.logs.String()
	for _, s := range []string{"qs-secret-1", "hdr-secret-2", webhooktest.Secret, "/services/"} {
		if strings.Contains(logs, s) {
			t.Errorf("log holds secret %q:\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, "delivery failed") {
		t.Fatalf("failures not logged: %s", logs)
	}
}

// TestPrune drops old finished notifications only: not one still pending,
// not a recent one.
func TestPrune(t *testing.T) {
	e := newEnv(t)
	srv := slacktest.NewServer(t)
	srv.FailNext(1, 404, "no_service")
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	ctx := context.Background()
	for _, k := range []string{StateDead, StateDelivered} {
		n := alert("acme", k, k, notify.StatusFiring)
		n.Routes = []string{"ops"}
		o.Enqueue(ctx, n)
		eventually(t, k, func() bool { return e.states(t, o, "acme")[k] == 1 })
	}
	o.Stop()
	n := alert("acme", "waiting", "w", notify.StatusFiring)
	n.Routes = []string{"ops"}
	o.Enqueue(ctx, n)
	o.dispatchPending(ctx)
	if got, err := o.Prune(ctx, time.Now().Add(-time.Hour)); err != nil || got != 0 {
		t.Fatalf("Prune of recent notifications = %d, %v", got, err)
	}
	if got, err := o.Prune(ctx, time.Now().Add(time.Hour)); err != nil || got != 2 {
		t.Fatalf("Prune = %d, %v; want the dead and the delivered one", got, err)
	}
	list, _ := o.Deliveries(ctx, "acme", Filter{})
	if len(list) != 1 || list[0].Key != "waiting" || list[0].State != StatePending {
		t.Fatalf("left after prune: %+v", list)
	}
}
