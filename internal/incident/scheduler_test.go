package incident

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

// TestSchedulerWarnsAndBreachesOnce walks a clock past 75% and 100% of its
// target with ticks in between and after, and a second scheduler (a restart):
// each notice is sent once, in the tenant's language, and is on the timeline.
func TestSchedulerWarnsAndBreachesOnce(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "acme", "web", weekdays9to18("Asia/Tokyo"), time.Hour, 0, 0)
	start := time.Date(2026, 1, 5, 17, 30, 0, 0, tokyo) // Monday, 30 minutes before closing
	fx.clock.set(start)
	inc, err := fx.s.Open(ctx, "acme", "alert", Fields{ServiceID: &svc, ShortDescription: ptr("API 5xx")})
	if err != nil {
		t.Fatal(err)
	}
	var sent []SLANotice
	notify := func(_ context.Context, n SLANotice) error { sent = append(sent, n); return nil }
	tick := func(s *Scheduler, at time.Time) {
		t.Helper()
		fx.clock.set(at)
		if _, err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s := NewScheduler(fx.s, notify, time.Minute, nil)
	tick(s, start.Add(20*time.Minute)) // 20 of 60 minutes
	if len(sent) != 0 {
		t.Fatalf("notices at 33%%: %+v", sent)
	}
	tick(s, start.Add(29*time.Minute))
	tick(s, time.Date(2026, 1, 6, 9, 10, 0, 0, tokyo)) // 40 minutes of business time: still under 45
	if len(sent) != 0 {
		t.Fatalf("notices at 40 of 60 minutes: %+v", sent)
	}
	tick(s, time.Date(2026, 1, 6, 9, 20, 0, 0, tokyo)) // 50 minutes
	tick(s, time.Date(2026, 1, 6, 9, 25, 0, 0, tokyo))
	if len(sent) != 1 || sent[0].Kind != NoticeWarning || !sent[0].At.Equal(time.Date(2026, 1, 6, 9, 15, 0, 0, tokyo)) {
		t.Fatalf("after 75%%: %+v, want one warning at 09:15 Tuesday", sent)
	}
	if !strings.Contains(sent[0].Title, "75%") || sent[0].Language != "ja" || !strings.Contains(sent[0].Title, "受付") {
		t.Errorf("warning title %q in %q, want Japanese for acme", sent[0].Title, sent[0].Language)
	}
	tick(s, time.Date(2026, 1, 6, 10, 0, 0, 0, tokyo))
	restarted := NewScheduler(fx.s, notify, time.Minute, nil)
	tick(restarted, time.Date(2026, 1, 6, 11, 0, 0, 0, tokyo))
	if len(sent) != 2 || sent[1].Kind != NoticeBreach || !sent[1].At.Equal(time.Date(2026, 1, 6, 9, 30, 0, 0, tokyo)) {
		t.Fatalf("after the breach and a restart: %+v, want a warning and one breach at 09:30", sent)
	}
	tl, _ := fx.s.Timeline(ctx, "acme", inc.ID, true)
	kinds := map[EntryKind]int{}
	for _, e := range tl {
		kinds[e.Kind]++
	}
	if kinds[EntrySLAWarning] != 1 || kinds[EntrySLABreach] != 1 || kinds[EntryNotification] != 2 {
		t.Errorf("timeline kinds %v, want one warning, one breach, two notifications", kinds)
	}
}

// TestSchedulerFailedSendIsRecorded keeps the notice (once) when the channel
// fails, without a notification entry, and nil NotifyFunc sends nothing.
func TestSchedulerFailedSendIsRecorded(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "beta", "api", calendar.Calendar{}, time.Hour, 0, 0)
	fx.clock.set(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	inc, _ := fx.s.Open(ctx, "beta", "alert", Fields{ServiceID: &svc, ShortDescription: ptr("x")})
	calls := 0
	s := NewScheduler(fx.s, func(context.Context, SLANotice) error { calls++; return errors.New("smtp down") }, time.Minute, nil)
	fx.clock.set(time.Date(2026, 1, 5, 0, 50, 0, 0, time.UTC))
	for range 2 {
		if _, err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("%d sends, want 1", calls)
	}
	tl, _ := fx.s.Timeline(ctx, "beta", inc.ID, true)
	for _, e := range tl {
		if e.Kind == EntryNotification {
			t.Errorf("a failed send was recorded as sent: %+v", e)
		}
		if e.Kind == EntrySLAWarning && e.Body != "INC0001001: 75% of the time to acknowledge (1h0m0s) has passed" {
			t.Errorf("English warning: %q", e.Body)
		}
	}
	fx.clock.set(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC))
	quiet := NewScheduler(fx.s, nil, time.Minute, nil)
	got, err := quiet.Tick(ctx)
	if err != nil || len(got) != 1 || got[0].Kind != NoticeBreach {
		t.Errorf("nil NotifyFunc tick: %+v %v, want the breach recorded", got, err)
	}
}

// TestSchedulerRunStops runs the loop and stops it with its context.
func TestSchedulerRunStops(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { NewScheduler(fx.s, nil, 10*time.Millisecond, nil).Run(ctx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
