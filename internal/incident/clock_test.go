package incident

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/sla"
)

// step is one thing an engineer does to the incident, at an instant.
type step struct {
	at string // "2006-01-02 15:04" in the case's zone
	op string // ack, cause, hold, work, resolve, cancel
}

type want struct {
	elapsed time.Duration
	state   sla.State
}

// TestClocksFollowTheIncident drives incidents through their states at given
// instants and checks each clock's business time, exactly, on the service's
// calendar: business hours, nights, weekends, holidays, time zones and holds.
func TestClocksFollowTheIncident(t *testing.T) {
	ny := mustZone("America/New_York")
	tokyoCal := weekdays9to18("Asia/Tokyo", "2026-01-12") // 成人の日
	f := func(name string, cal calendar.Calendar, zone *time.Location, opened string, steps []step, eval string, wants map[ClockName]want) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t)
			ctx := context.Background()
			svc := fx.service(t, "acme", "web", cal, 30*time.Minute, 4*time.Hour, 8*time.Hour)
			at := func(s string) time.Time {
				tm, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
				if err != nil {
					t.Fatal(err)
				}
				return tm
			}
			fx.clock.set(at(opened))
			inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("web down")})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range steps {
				fx.clock.set(at(st.at))
				if err := apply(ctx, fx.s, inc.ID, st.op); err != nil {
					t.Fatalf("%s at %s: %v", st.op, st.at, err)
				}
			}
			fx.clock.set(at(eval))
			got, err := fx.s.Incident(ctx, "acme", inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range wants {
				c := clockOf(t, got, name)
				if c.Elapsed.Std() != w.elapsed || c.State != w.state {
					t.Errorf("%s clock: elapsed %v %s, want %v %s", name, c.Elapsed.Std(), c.State, w.elapsed, w.state)
				}
			}
		})
	}

	f("inside business hours", tokyoCal, tokyo, "2026-01-05 10:00",
		[]step{{"2026-01-05 10:20", "ack"}, {"2026-01-05 12:00", "cause"}, {"2026-01-05 15:00", "resolve"}}, "2026-01-05 20:00",
		map[ClockName]want{ClockAcknowledge: {20 * time.Minute, sla.StateMet}, ClockIdentify: {2 * time.Hour, sla.StateMet}, ClockResolve: {5 * time.Hour, sla.StateMet}})
	f("opened before hours counts from the opening", tokyoCal, tokyo, "2026-01-05 07:00",
		[]step{{"2026-01-05 09:10", "ack"}}, "2026-01-05 09:10",
		map[ClockName]want{ClockAcknowledge: {10 * time.Minute, sla.StateMet}, ClockResolve: {10 * time.Minute, sla.StateRunning}})
	f("across the night, acknowledge breached", tokyoCal, tokyo, "2026-01-05 17:00",
		[]step{{"2026-01-06 11:00", "resolve"}}, "2026-01-06 12:00",
		map[ClockName]want{ClockAcknowledge: {3 * time.Hour, sla.StateBreached}, ClockIdentify: {3 * time.Hour, sla.StateMet}, ClockResolve: {3 * time.Hour, sla.StateMet}})
	f("across a weekend and a holiday", tokyoCal, tokyo, "2026-01-09 17:00",
		[]step{{"2026-01-09 17:10", "ack"}, {"2026-01-13 10:00", "resolve"}}, "2026-01-13 10:00",
		map[ClockName]want{ClockAcknowledge: {10 * time.Minute, sla.StateMet}, ClockResolve: {2 * time.Hour, sla.StateMet}})
	f("on hold overnight, resumed next day", tokyoCal, tokyo, "2026-01-05 10:00",
		[]step{{"2026-01-05 10:05", "ack"}, {"2026-01-05 11:00", "hold"}, {"2026-01-06 10:00", "work"}, {"2026-01-06 12:00", "resolve"}}, "2026-01-06 13:00",
		map[ClockName]want{ClockAcknowledge: {5 * time.Minute, sla.StateMet}, ClockIdentify: {3 * time.Hour, sla.StateMet}, ClockResolve: {3 * time.Hour, sla.StateMet}})
	f("resolved straight from On Hold", tokyoCal, tokyo, "2026-01-05 10:00",
		[]step{{"2026-01-05 10:10", "work"}, {"2026-01-05 10:30", "hold"}, {"2026-01-05 16:00", "resolve"}}, "2026-01-05 17:00",
		map[ClockName]want{ClockAcknowledge: {10 * time.Minute, sla.StateMet}, ClockResolve: {30 * time.Minute, sla.StateMet}})
	f("still on hold counts nothing more", tokyoCal, tokyo, "2026-01-05 10:00",
		[]step{{"2026-01-05 10:10", "ack"}, {"2026-01-05 11:00", "hold"}}, "2026-01-07 17:00",
		map[ClockName]want{ClockIdentify: {time.Hour, sla.StatePaused}, ClockResolve: {time.Hour, sla.StatePaused}})
	f("New York hours across the spring-forward weekend", weekdays9to18("America/New_York"), ny, "2026-03-06 17:00",
		[]step{{"2026-03-06 17:20", "ack"}, {"2026-03-09 10:00", "cause"}, {"2026-03-09 10:30", "resolve"}}, "2026-03-09 11:00",
		map[ClockName]want{ClockAcknowledge: {20 * time.Minute, sla.StateMet}, ClockIdentify: {2 * time.Hour, sla.StateMet}, ClockResolve: {150 * time.Minute, sla.StateMet}})
	f("24x7 minus the hold", calendar.Calendar{}, time.UTC, "2026-01-10 22:00",
		[]step{{"2026-01-10 22:15", "ack"}, {"2026-01-11 01:00", "hold"}, {"2026-01-11 03:00", "work"}, {"2026-01-11 04:00", "cause"}, {"2026-01-11 05:00", "resolve"}}, "2026-01-11 06:00",
		map[ClockName]want{ClockAcknowledge: {15 * time.Minute, sla.StateMet}, ClockIdentify: {4 * time.Hour, sla.StateBreached}, ClockResolve: {5 * time.Hour, sla.StateMet}})
	f("untouched all day: breached, not due tomorrow", tokyoCal, tokyo, "2026-01-05 10:00",
		nil, "2026-01-05 19:00",
		map[ClockName]want{ClockAcknowledge: {8 * time.Hour, sla.StateBreached}, ClockResolve: {8 * time.Hour, sla.StateBreached}})
	f("canceled stops every clock", tokyoCal, tokyo, "2026-01-05 10:00",
		[]step{{"2026-01-05 10:40", "cancel"}}, "2026-01-06 10:00",
		map[ClockName]want{ClockAcknowledge: {40 * time.Minute, sla.StateBreached}, ClockResolve: {40 * time.Minute, sla.StateMet}})
}

func apply(ctx context.Context, s *Desk, id int64, op string) error {
	var err error
	switch op {
	case "ack":
		_, err = s.Acknowledge(ctx, "acme", id, "user:sato")
	case "cause":
		_, err = s.RecordCause(ctx, "acme", id, "user:sato", Cause{Cause: "ディスク満杯", Category: "capacity"})
	case "hold":
		_, err = s.Transition(ctx, "acme", id, "user:sato", StateChange{State: StateOnHold, HoldReason: HoldAwaitingCaller})
	case "work":
		_, err = s.Transition(ctx, "acme", id, "user:sato", StateChange{State: StateInProgress})
	case "resolve":
		_, err = s.Transition(ctx, "acme", id, "user:sato", StateChange{State: StateResolved, CloseCode: "Solution provided", CloseNotes: "ログを削除"})
	case "cancel":
		_, err = s.Transition(ctx, "acme", id, "user:sato", StateChange{State: StateCanceled})
	}
	return err
}

// TestClocksSurviveRestart reads the clocks back through a new Desk on the
// same database: they are stored as events, not held in memory.
func TestClocksSurviveRestart(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "acme", "web", calendar.Calendar{}, time.Hour, 2*time.Hour, 4*time.Hour)
	fx.clock.set(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("db slow")})
	if err != nil {
		t.Fatal(err)
	}
	fx.clock.set(time.Date(2026, 2, 1, 0, 40, 0, 0, time.UTC))
	if _, err := fx.s.Acknowledge(ctx, "acme", inc.ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	again := NewDesk(fx.s.db, fx.st, nil)
	again.now = func() time.Time { return time.Date(2026, 2, 1, 1, 30, 0, 0, time.UTC) }
	got, err := again.Incident(ctx, "acme", inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := clockOf(t, got, ClockAcknowledge); c.Elapsed.Std() != 40*time.Minute || c.State != sla.StateMet {
		t.Errorf("acknowledge after restart: %v %s, want 40m met", c.Elapsed.Std(), c.State)
	}
	if c := clockOf(t, got, ClockResolve); c.Elapsed.Std() != 90*time.Minute || c.State != sla.StateRunning {
		t.Errorf("resolve after restart: %v %s, want 1h30m running", c.Elapsed.Std(), c.State)
	}
}
