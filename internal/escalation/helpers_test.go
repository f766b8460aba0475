package escalation

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// loopback is the outbound policy of these tests: their fake receivers
// listen on 127.0.0.1, which the default policy refuses.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

// env is the real chain on one SQLite file: channels (with Slack fakes
// l1 and l2), the outbox and the scheduler, wired as internal/cli does.
type env struct {
	path     string
	objects  *storage.Store
	channels *channel.Store
	store    *Store
	sched    *Scheduler
	outbox   *outbox.Outbox
	l1, l2   *slacktest.Server
	checkout *model.Service // business hours Mon-Fri 09:00-18:00 Asia/Tokyo
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{path: dbtest.URL(t), l1: slacktest.NewServer(t), l2: slacktest.NewServer(t)}
	e.open(t)
	ctx := context.Background()
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "アクメ", Language: "ja", TimeZone: "Asia/Tokyo"}, {ID: "beta", Name: "Beta", Language: "en", TimeZone: "UTC"}} {
		if err := e.objects.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	for name, srv := range map[string]*slacktest.Server{"l1": e.l1, "l2": e.l2} {
		raw, _ := json.Marshal(map[string]string{"webhook_url": srv.WebhookURL()})
		if _, err := e.channels.Create(ctx, "acme", channel.Input{Name: name, Type: "slack", Config: raw}); err != nil {
			t.Fatal(err)
		}
	}
	var hours []calendar.DayHours
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		hours = append(hours, calendar.DayHours{Weekday: d, Start: "09:00", End: "18:00"})
	}
	e.checkout = &model.Service{TenantID: "acme", Name: "checkout", Level: model.ServiceLevel{Calendar: calendar.Calendar{TimeZone: "Asia/Tokyo", Hours: hours}}}
	if err := e.objects.CreateService(ctx, e.checkout); err != nil {
		t.Fatal(err)
	}
	return e
}

// open (re)opens the database and builds every part anew, as a restart does.
func (e *env) open(t *testing.T) {
	t.Helper()
	db, err := database.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.New(bytes.Repeat([]byte{5}, secret.KeySize))
	e.objects = storage.New(db)
	e.channels = channel.NewStore(db, e.objects, box, channel.Builder{Outbound: loopback})
	e.store = NewStore(db, e.objects, e.channels.TargetExists)
	e.sched = NewScheduler(e.store, nil, time.Hour, nil)
	resolve := func(ctx context.Context, tenant, target string) (outbox.Destination, error) {
		d, err := e.channels.Resolve(ctx, tenant, target)
		return outbox.Destination{Channel: d.Channel, Language: d.Language, TimeZone: d.TimeZone}, err
	}
	e.outbox = outbox.New(db, outbox.Options{PollInterval: 20 * time.Millisecond, BackoffBase: 10 * time.Millisecond}, resolve, e.sched, nil, nil)
	e.sched.SetDispatch(e.outbox.AddDeliveries)
	if err := e.outbox.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	o := e.outbox
	t.Cleanup(func() { o.Stop(); db.Close() })
}

// close stops the outbox and the database, as a stopped server does.
func (e *env) close() {
	e.outbox.Stop()
	e.store.db.Close()
}

func (e *env) policy(t *testing.T, p *Policy) *Policy {
	t.Helper()
	p.Tenant = "acme"
	if err := e.store.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func firing(key string) outbox.Notification {
	return outbox.Notification{Tenant: "acme", Key: key, Ref: "alert:" + key, Message: notify.Message{
		Kind: notify.KindAlert, Status: notify.StatusFiring, Severity: notify.SeverityCritical,
		Title: "DB down " + key, StartsAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}}
}

// delivered waits until the outbox has no pending work for acme and
// returns the number of delivered deliveries.
func (e *env) settle(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Undispatched first: a dispatch between the two reads then shows
		// as pending deliveries rather than being missed.
		var undispatched int
		e.store.db.QueryRow(`SELECT COUNT(*) FROM outbox_messages WHERE dispatched=0`).Scan(&undispatched)
		list, err := e.outbox.Deliveries(context.Background(), "acme", outbox.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		busy, done := false, 0
		for _, d := range list {
			switch d.State {
			case outbox.StatePending, outbox.StateSending:
				busy = true
			case outbox.StateDelivered:
				done++
			}
		}
		if !busy && undispatched == 0 {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox did not settle: %+v", list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) serve(t *testing.T) func(method, path, token string, body any) (int, []byte) {
	h := NewHandlers(e.store, apitest.PathTenant, nil)
	srv := apitest.NewServer(t, h.Routes())
	return func(method, path, token string, body any) (int, []byte) {
		code, _, data := apitest.Do(t, srv, method, path, token, body)
		return code, data
	}
}
