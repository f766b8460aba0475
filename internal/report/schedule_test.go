package report

import (
	"context"
	"testing"
	"time"
)

func TestLastMonthInTheTenantsZone(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// 1 December 00:30 in Tokyo is still 30 November in UTC.
	now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC)
	from, to := LastMonth(now, tokyo)
	if !from.Equal(fromNov) || !to.Equal(toNov) {
		t.Errorf("Tokyo: got %v – %v, want November", from, to)
	}
	from, _ = LastMonth(now, time.UTC)
	if from.Month() != time.October {
		t.Errorf("UTC: got %v, want October", from)
	}
}

func TestScheduleMakesLastMonthsDraftOnce(t *testing.T) {
	f := sharedFixture(t)
	svc := NewService(NewGenerator(f.src, nil), NewStore(f.db.DB()), nil, nil, nil)
	s := NewScheduler(svc, f.db, time.Hour, nil)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC) // 1 Dec in Tokyo, 30 Nov in UTC
	if n := s.RunOnce(ctx, now); n != 2 {
		t.Fatalf("made %d drafts, want one each for acme and beta", n)
	}
	if n := s.RunOnce(ctx, now.Add(time.Hour)); n != 0 {
		t.Fatalf("a second run made %d drafts, want 0", n)
	}
	list, err := svc.Store().List(ctx, "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	var sched *Stored
	for _, st := range list {
		if st.CreatedBy == ScheduleActor {
			sched = st
		}
	}
	if sched == nil || !sched.From.Equal(fromNov) || !sched.To.Equal(toNov) || sched.State != Draft {
		t.Fatalf("acme's scheduled draft: %+v, want November as a draft", sched)
	}
	full, err := svc.Store().Get(ctx, "acme", sched.ID)
	if err != nil || full.Content.Summary.Alerts.Now != 7 {
		t.Fatalf("scheduled draft content: %v %+v", err, full)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	f := sharedFixture(t)
	svc := NewService(NewGenerator(f.src, nil), NewStore(f.db.DB()), nil, nil, nil)
	s := NewScheduler(svc, f.db, time.Hour, nil)
	s.now = func() time.Time { return time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
