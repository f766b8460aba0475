package backup

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// queued records what the alert engine hands the notification queue.
type queued struct {
	mu   sync.Mutex
	list []outbox.Notification
}

func (q *queued) Enqueue(_ context.Context, n outbox.Notification) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, n)
	return nil
}

func (q *queued) Acknowledge(context.Context, string, string) error { return nil }

// of returns the messages queued for tenant.
func (q *queued) of(tenant string) []outbox.Notification {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []outbox.Notification
	for _, n := range q.list {
		if n.Tenant == tenant {
			out = append(out, n)
		}
	}
	return out
}

// TestBackupAlertNotifiedInTheTenantsLanguage: a failed job of a Japanese
// and of an English customer goes through the real watch and alert engine
// to the notification queue; each message says why it fires, and that it
// is over, in its tenant's language alone.
func TestBackupAlertNotifiedInTheTenantsLanguage(t *testing.T) {
	fx := newFixture(t)
	ctx := t.Context()
	beta, err := fx.st.Tenant(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	beta.Language = "en"
	if err := fx.st.UpdateTenant(ctx, beta); err != nil {
		t.Fatal(err)
	}
	q := &queued{}
	engine := alert.New(alert.NewStore(fx.store.db), fx.st, monitoring.NewStore(fx.store.db, fx.st), nil,
		alert.Options{Notify: alert.SendAlerts(q, fx.st, "https://unyo.example", nil)}, slog.New(slog.DiscardHandler))
	w := NewWatch(fx.store, fx.st, engine.Intake, nil)
	fx.store.OnChange(w.Touch)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- engine.Run(runCtx) }()
	go func() { done <- w.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done; <-done })

	policies := map[string]Policy{}
	for _, tenant := range []string{"acme", "beta"} {
		p := fx.createPolicy(t, tenant, tenant+"-db", "")
		policies[tenant] = p
		if _, _, err := fx.store.AddJob(ctx, &Job{TenantID: tenant, PolicyID: p.ID, Status: StatusFailed, StartedAt: time.Now(),
			FinishedAt: time.Now(), Message: "disk full"}); err != nil {
			t.Fatal(err)
		}
	}
	says := func(n outbox.Notification) string {
		return n.Message.Summary + "\n" + strings.Join(n.Message.Values, "\n")
	}
	for _, c := range []struct{ tenant, want, other string }{
		{"acme", "に終了したジョブの結果は失敗でした: disk full", "ended failed"},
		{"beta", "ended failed: disk full", "終了したジョブ"},
	} {
		testwait.For(t, 10*time.Second, c.tenant+"'s message", func() bool { return len(q.of(c.tenant)) > 0 })
		n := q.of(c.tenant)[0]
		if string(n.Message.Language) != map[string]string{"acme": "ja", "beta": "en"}[c.tenant] ||
			strings.Count(says(n), c.want) != 2 || strings.Contains(says(n), c.other) {
			t.Errorf("%s's message says %q, want %q in the summary and the value, not %q", c.tenant, says(n), c.want, c.other)
		}
	}

	// A good job ends it: the resolution says so in the tenant's language too.
	for _, tenant := range []string{"acme", "beta"} {
		if _, _, err := fx.store.AddJob(ctx, &Job{TenantID: tenant, PolicyID: policies[tenant].ID, Status: StatusOK}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ tenant, want, other string }{
		{"acme", "解消しました", "recovered"},
		{"beta", "recovered", "解消"},
	} {
		testwait.For(t, 10*time.Second, c.tenant+"'s resolution", func() bool { return len(q.of(c.tenant)) > 1 })
		n := q.of(c.tenant)[1]
		if !strings.Contains(says(n), c.want) || strings.Contains(says(n), c.other) {
			t.Errorf("%s's resolution says %q, want %q, not %q", c.tenant, says(n), c.want, c.other)
		}
	}
}
