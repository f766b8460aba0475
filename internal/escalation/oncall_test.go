package escalation

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/secret"
)

// TestStepNotifiesWhoeverIsOnCall: a step that targets "oncall:ops" mails
// the person on call in that rotation when the step fires: alice for the
// first step, bob (on call from the next day's hand-off) for the second.
func TestStepNotifiesWhoeverIsOnCall(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := smtptest.NewServer(t, smtptest.Options{STARTTLS: true})
	box, _ := secret.New(bytes.Repeat([]byte{5}, secret.KeySize))
	e.channels = channel.NewStore(e.store.db, e.objects, box, channel.Builder{Outbound: loopback, TLS: srv.ClientTLSConfig()})
	raw := []byte(`{"host":"` + srv.Host() + `","port":` + itoa(srv.Port()) + `,"from":"unyo <alerts@msp.example>","to":["noc@msp.example"]}`)
	if _, err := e.channels.Create(ctx, "acme", channel.Input{Name: "mail", Type: "email", Config: raw}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"alice", "bob"} {
		if err := e.channels.CreateContact(ctx, &channel.Contact{Tenant: "acme", Name: n, Email: n + "@msp.example", Via: "mail"}); err != nil {
			t.Fatal(err)
		}
	}
	rotations := oncall.NewStore(e.store.db, nil)
	start := time.Now().UTC()
	rot := &oncall.Rotation{Tenant: "acme", Name: "ops", TimeZone: "UTC", Layers: []oncall.Layer{{
		Members: []string{"alice", "bob"}, Handoff: oncall.Daily, Start: start.Add(-time.Minute).Format("2006-01-02T15:04")}}}
	if err := rotations.Create(ctx, rot); err != nil {
		t.Fatal(err)
	}
	e.store.SetOnCall(rotations.Resolve)
	if err := e.store.Create(ctx, &Policy{Tenant: "acme", Name: "p", Default: true, Steps: []Step{{Targets: []string{"oncall:nope"}}}}); err == nil {
		t.Fatal("a step naming an unknown rotation was accepted")
	}
	e.policy(t, &Policy{Name: "on call", Default: true, Steps: []Step{
		{Targets: []string{"oncall:ops"}, Wait: model.Duration(24 * time.Hour)},
		{Targets: []string{"oncall:ops"}, Wait: 0},
	}})
	if err := e.outbox.Enqueue(ctx, firing("a1")); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitFor(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[0].RcptTo; len(got) != 1 || got[0] != "alice@msp.example" {
		t.Fatalf("first step mailed %v, want alice who is on call now", got)
	}
	e.sched.Tick(ctx, start.Add(24*time.Hour+2*time.Minute))
	msgs, err = srv.WaitFor(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[1].RcptTo; len(got) != 1 || got[0] != "bob@msp.example" {
		t.Fatalf("second step mailed %v, want bob who is on call when it fires", got)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
