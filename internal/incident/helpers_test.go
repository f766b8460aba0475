package incident

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// clock is a settable now for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	s     *Desk
	st    *storage.Store
	clock *clock
}

// newFixture opens a real SQLite database, migrated, with two tenants
// (acme in Tokyo speaking Japanese, beta in UTC speaking English).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{t: time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)}
	s := NewDesk(db, st, nil)
	s.now = c.now
	return &fixture{s: s, st: st, clock: c}
}

// service creates a service of tenant with the given calendar and targets.
func (f *fixture) service(t *testing.T, tenant, name string, cal calendar.Calendar, ack, identify, resolve time.Duration) int64 {
	t.Helper()
	svc := &model.Service{TenantID: tenant, Name: name, Level: model.ServiceLevel{Calendar: cal,
		AcknowledgeTarget: model.Duration(ack), IdentifyTarget: model.Duration(identify), ResolveTarget: model.Duration(resolve)}}
	if err := f.st.CreateService(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return svc.ID
}

func (f *fixture) resource(t *testing.T, tenant, name string) int64 {
	t.Helper()
	r := &model.Resource{TenantID: tenant, Name: name, Kind: "host", Labels: map[string]string{}}
	if err := f.st.CreateResource(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func ptr[T any](v T) *T { return &v }

var tokyo = mustZone("Asia/Tokyo")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// weekdays9to18 is Monday to Friday, 09:00-18:00 in zone, with holidays.
func weekdays9to18(zone string, holidays ...string) calendar.Calendar {
	c := calendar.Calendar{TimeZone: zone, Holidays: holidays}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		c.Hours = append(c.Hours, calendar.DayHours{Weekday: d, Start: "09:00", End: "18:00"})
	}
	return c
}

func clockOf(t *testing.T, inc *Incident, name ClockName) ClockStatus {
	t.Helper()
	for _, c := range inc.Clocks {
		if c.Clock == name {
			return c
		}
	}
	t.Fatalf("%s has no %s clock: %+v", inc.Number, name, inc.Clocks)
	return ClockStatus{}
}
