package backup

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// intakeLog records what the watch puts into the alert pipeline, and when.
type intakeLog struct {
	mu      sync.Mutex
	signals []alert.Signal
	at      []time.Time
}

func (l *intakeLog) intake(_ context.Context, tenant string, s []alert.Signal) (alert.IntakeResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, sig := range s {
		l.signals = append(l.signals, sig)
		l.at = append(l.at, time.Now())
	}
	return alert.IntakeResult{Received: len(s)}, nil
}

// count returns how many signals of fingerprint fp with status were sent,
// and when the last of them arrived.
func (l *intakeLog) count(fp string, status alert.State) (int, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, last := 0, time.Time{}
	for i, s := range l.signals {
		if s.Fingerprint == fp && s.Status == status {
			n, last = n+1, l.at[i]
		}
	}
	return n, last
}

func (l *intakeLog) await(t *testing.T, fp string, status alert.State, n int) time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got, at := l.count(fp, status); got >= n {
			return at
		}
		time.Sleep(5 * time.Millisecond)
	}
	got, _ := l.count(fp, status)
	t.Fatalf("%s %s: %d signals after 10s, want %d", fp, status, got, n)
	return time.Time{}
}

// TestWatchAlertsAtTheCrossing: the RPO alert fires at the moment the good
// point crosses the RPO (the watch sleeps until then, it does not poll),
// exactly once; a new good job resolves it; a failed job raises one alert,
// which a deleted policy resolves.
func TestWatchAlertsAtTheCrossing(t *testing.T) {
	fx := newFixture(t)
	log := &intakeLog{}
	w := NewWatch(fx.store, fx.st, log.intake, nil)
	fx.store.OnChange(w.Touch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	p := fx.createPolicy(t, "acme", "shop-db", "1m")
	rpoFP, failFP := fmt.Sprintf("policy/%d/%s", p.ID, ConditionRPO), fmt.Sprintf("policy/%d/%s", p.ID, ConditionFailed)
	// A good point 59.3 s old: the RPO of one minute is crossed in 0.7 s.
	point := time.Now().Add(-59300 * time.Millisecond)
	crossing := point.Add(time.Minute)
	if _, _, err := fx.store.AddJob(t.Context(), &Job{TenantID: "acme", PolicyID: p.ID, Status: StatusOK, StartedAt: point, RecoveryPoint: point}); err != nil {
		t.Fatal(err)
	}
	at := log.await(t, rpoFP, alert.StateFiring, 1)
	if at.Before(crossing) || at.After(crossing.Add(300*time.Millisecond)) {
		t.Errorf("RPO alert at %s, want at the crossing %s", at.Format(time.StampMilli), crossing.Format(time.StampMilli))
	}
	if n, _ := log.count(rpoFP, alert.StateFiring); n != 1 {
		t.Errorf("%d RPO alerts, want 1", n)
	}
	log.mu.Lock()
	sig := log.signals[len(log.signals)-1]
	log.mu.Unlock()
	if sig.Resource != "acme-db1" || sig.RunbookURL != "https://wiki.example/restore-shop-db" || sig.Source != alert.SourceBackup || !sig.StartsAt.Equal(crossing.Truncate(time.Millisecond)) {
		t.Errorf("RPO signal: %+v", sig)
	}
	if n, _ := log.count(failFP, alert.StateFiring); n != 0 {
		t.Errorf("failed alert without a failed job")
	}

	// A new good job resolves it.
	if _, _, err := fx.store.AddJob(t.Context(), &Job{TenantID: "acme", PolicyID: p.ID, Status: StatusOK}); err != nil {
		t.Fatal(err)
	}
	log.await(t, rpoFP, alert.StateResolved, 1)

	// A failed job: one alert, however often the watch looks again.
	if _, _, err := fx.store.AddJob(t.Context(), &Job{TenantID: "acme", PolicyID: p.ID, Status: StatusFailed, Message: "disk full"}); err != nil {
		t.Fatal(err)
	}
	log.await(t, failFP, alert.StateFiring, 1)
	w.Touch("acme", p.ID)
	w.Touch("acme", p.ID)
	if err := fx.store.DeletePolicy(t.Context(), "acme", p.ID); err != nil {
		t.Fatal(err)
	}
	log.await(t, failFP, alert.StateResolved, 1)
	if n, _ := log.count(failFP, alert.StateFiring); n != 1 {
		t.Errorf("%d failed-job alerts, want 1", n)
	}
	if n, _ := log.count(rpoFP, alert.StateFiring); n != 1 {
		t.Errorf("%d RPO alerts in all, want 1", n)
	}
}
