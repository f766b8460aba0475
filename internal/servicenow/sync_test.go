package servicenow

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
	"github.com/unyo-ops/unyo/internal/storage"
)

// loopback is the outbound policy of these tests: the fake instance
// listens on 127.0.0.1, which the default policy refuses.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})

type fixture struct {
	incidents *incident.Desk
	problems  *problem.Store
	changes   *change.Store
	configs   *Configs
	sync      *Sync
	sn        *servicenowtest.Server
	st        *storage.Store
	now       time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sn := servicenowtest.New("unyo.integration", "s3cret-pass", "unyo-client", "client-s3cret")
	t.Cleanup(sn.Close)
	fx := &fixture{incidents: incident.NewDesk(db, st, nil), configs: NewConfigs(db, box), sn: sn, st: st,
		now: time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)}
	fx.sync = NewSync(db, fx.configs, fx.incidents, Options{Timeout: 5 * time.Second, Outbound: loopback}, nil)
	fx.sync.now = func() time.Time { return fx.now }
	fx.incidents.OnChange(fx.sync.Enqueue)
	fx.problems, fx.changes = problem.NewStore(db), change.NewStore(db, st, maintenance.NewStore(db, st))
	fx.sync.SyncProblems(fx.problems)
	fx.sync.SyncChanges(fx.changes)
	return fx
}

func (fx *fixture) configure(t *testing.T, tenant string, in ConfigInput) {
	t.Helper()
	if in.InstanceURL == "" {
		in.InstanceURL = fx.sn.URL
	}
	if _, err := fx.configs.Put(context.Background(), tenant, in); err != nil {
		t.Fatal(err)
	}
}

func (fx *fixture) deliver(t *testing.T) int {
	t.Helper()
	n, err := fx.sync.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func basic() ConfigInput {
	return ConfigInput{Auth: AuthBasic, Username: "unyo.integration", Password: "s3cret-pass"}
}

// TestSyncCreateUpdateResolveInOrder: the instance sees the create, each
// update and the resolve once, in order, with string values.
func TestSyncCreateUpdateResolveInOrder(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	inc, err := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("メールが送れない"), Impact: ptr(2), Urgency: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	fx.incidents.Acknowledge(ctx, "acme", inc.ID, "user:sato")
	fx.incidents.AddNote(ctx, "acme", inc.ID, "user:sato", "SMTPログ確認", true)
	fx.incidents.RecordCause(ctx, "acme", inc.ID, "user:sato", incident.Cause{Cause: "リレー停止", Category: "network"})
	fx.incidents.Transition(ctx, "acme", inc.ID, "user:sato", incident.StateChange{State: incident.StateResolved, CloseCode: "Solution provided", CloseNotes: "リレー再起動"})
	if n := fx.deliver(t); n != 5 {
		t.Fatalf("delivered %d, want 5", n)
	}
	if n := fx.deliver(t); n != 0 {
		t.Fatalf("a second round delivered %d more", n)
	}
	reqs := fx.sn.Requests()
	want := []struct{ method, field, value string }{
		{"POST", "correlation_id", "1"},
		{"PATCH", "work_notes", "Acknowledged in unyo by user:sato"},
		{"PATCH", "work_notes", "SMTPログ確認"},
		{"PATCH", "work_notes", "Cause identified (network): リレー停止"},
		{"PATCH", "state", "6"},
	}
	if len(reqs) != len(want) {
		t.Fatalf("instance saw %d writes, want %d: %+v", len(reqs), len(want), reqs)
	}
	for i, w := range want {
		if reqs[i].Method != w.method || reqs[i].Fields[w.field] != w.value {
			t.Errorf("write %d: %s %v, want %s with %s=%q", i, reqs[i].Method, reqs[i].Fields, w.method, w.field, w.value)
		}
	}
	rec := fx.sn.Records()[0]
	if rec["priority"] != "" || rec["impact"] != "2" || rec["urgency"] != "1" || rec["close_code"] != "Solution provided" || rec["state"] != "6" {
		t.Errorf("record in ServiceNow: %v", rec)
	}
	if !strings.HasPrefix(rec["number"], "INC") || rec["correlation_display"] != "unyo INC0001001" {
		t.Errorf("record number %q display %q", rec["number"], rec["correlation_display"])
	}
	tl, _ := fx.incidents.Timeline(ctx, "acme", inc.ID, true)
	noted := false
	for _, e := range tl {
		noted = noted || (e.Kind == incident.EntryServiceNow && strings.Contains(e.Body, rec["number"]) && e.Internal)
	}
	if !noted {
		t.Errorf("the ServiceNow number is not on the timeline: %+v", tl)
	}
}

// TestSyncSurvivesAnOutage: while the instance is down the changes wait and
// are retried with backoff; once it is back each is delivered once, in order.
func TestSyncSurvivesAnOutage(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", ConfigInput{Auth: AuthOAuth, ClientID: "unyo-client", ClientSecret: "client-s3cret"})
	fx.sn.SetDown(true)
	inc, _ := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("VPN down")})
	fx.incidents.AddNote(ctx, "acme", inc.ID, "user:sato", "顧客へ連絡済み", false)
	if n := fx.deliver(t); n != 0 {
		t.Fatalf("delivered %d while down", n)
	}
	box, _ := fx.sync.Outbox(ctx, "acme", 10)
	if len(box) != 2 || box[1].Attempts != 1 || box[1].LastError == "" || box[0].Attempts != 0 {
		t.Fatalf("outbox after a failed round: %+v", box)
	}
	fx.sn.SetDown(false)
	if n := fx.deliver(t); n != 0 {
		t.Fatalf("delivered %d before the backoff ran out", n)
	}
	fx.now = fx.now.Add(11 * time.Second)
	if n := fx.deliver(t); n != 2 {
		t.Fatalf("delivered %d after the backoff, want 2", n)
	}
	reqs := fx.sn.Requests()
	if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[1].Fields["comments"] != "顧客へ連絡済み" || len(fx.sn.Records()) != 1 {
		t.Errorf("instance saw %+v", reqs)
	}
}

// TestSyncRetriedCreateIsNotDuplicated: a create whose answer was lost is
// found again by correlation_id instead of being created twice.
func TestSyncRetriedCreateIsNotDuplicated(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	inc, _ := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("x")})
	// The record reached ServiceNow but unyo did not hear back.
	c := NewClient(Config{InstanceURL: fx.sn.URL, Auth: AuthBasic, Username: "unyo.integration"}, Credentials{Password: "s3cret-pass"}, loopback, time.Second)
	if _, err := c.Create(ctx, "incident", Record{"short_description": "x", "correlation_id": CorrelationID(inc.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.sync.db.ExecContext(ctx, `UPDATE servicenow_outbox SET attempts=1`); err != nil {
		t.Fatal(err)
	}
	fx.deliver(t)
	if n := len(fx.sn.Records()); n != 1 {
		t.Errorf("%d records in ServiceNow, want 1", n)
	}
}

// TestPullAppliesServiceNowState: a state changed in ServiceNow comes back to
// unyo, and is not sent back to ServiceNow.
func TestPullAppliesServiceNowState(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	inc, _ := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("x")})
	fx.deliver(t)
	sysID := fx.sn.Records()[0]["sys_id"]
	fx.sn.Set(sysID, map[string]string{"state": "3", "hold_reason": "4"})
	if n, err := fx.sync.Pull(ctx); err != nil || n != 1 {
		t.Fatalf("pull: %d %v", n, err)
	}
	got, _ := fx.incidents.Incident(ctx, "acme", inc.ID)
	if got.State != incident.StateOnHold || got.HoldReason != incident.HoldAwaitingVendor {
		t.Errorf("after ServiceNow put it on hold: %s %s", got.State, got.HoldReason)
	}
	fx.sn.Set(sysID, map[string]string{"state": "7", "close_code": "Solved (Permanently)", "close_notes": "vendor fixed it"})
	if n, _ := fx.sync.Pull(ctx); n != 1 {
		t.Fatalf("second pull applied %d", n)
	}
	got, _ = fx.incidents.Incident(ctx, "acme", inc.ID)
	if got.State != incident.StateClosed || got.CloseCode != "Solved (Permanently)" {
		t.Errorf("after ServiceNow closed it: %s %q", got.State, got.CloseCode)
	}
	fx.deliver(t)
	if n := len(fx.sn.Requests()); n != 1 {
		t.Errorf("pulled changes were echoed back: %+v", fx.sn.Requests())
	}
	if n, _ := fx.sync.Pull(ctx); n != 0 {
		t.Errorf("a closed record is pulled again: %d", n)
	}
}

// TestNoConfigurationNoQueue: a tenant without ServiceNow queues nothing,
// and a kind whose table is none stays in unyo.
func TestNoConfigurationNoQueue(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	in := basic()
	in.Tables = Tables{KindInquiry: TableNone}
	fx.configure(t, "acme", in)
	fx.incidents.Open(ctx, "beta", "user:x", incident.Fields{ShortDescription: ptr("beta's")})
	if _, err := fx.incidents.OpenRequest(ctx, "acme", "user:x", incident.RequestInput{Kind: incident.KindInquiry, Fields: incident.Fields{ShortDescription: ptr("an inquiry")}}); err != nil {
		t.Fatal(err)
	}
	if box, _ := fx.sync.Outbox(ctx, "beta", 10); len(box) != 0 {
		t.Errorf("beta has no ServiceNow but queued %+v", box)
	}
	if box, _ := fx.sync.Outbox(ctx, "acme", 10); len(box) != 0 {
		t.Errorf("acme's outbox holds beta's change or an inquiry: %+v", box)
	}
}

func TestConfigValidationAndSecrets(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	bad := func(in ConfigInput, field string) {
		t.Helper()
		_, err := fx.configs.Put(ctx, "acme", in)
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%+v: %v, want a refusal of %s", in, err, field)
		}
	}
	bad(ConfigInput{InstanceURL: "ftp://x", Auth: AuthBasic, Username: "u", Password: "p"}, "instance_url")
	bad(ConfigInput{InstanceURL: "https://u:p@x.service-now.com", Auth: AuthBasic, Username: "u", Password: "p"}, "instance_url")
	bad(ConfigInput{InstanceURL: "https://x.service-now.com/api", Auth: AuthBasic, Username: "u", Password: "p"}, "instance_url")
	bad(ConfigInput{InstanceURL: "https://x.service-now.com", Auth: "kerberos"}, "auth")
	bad(ConfigInput{InstanceURL: "https://x.service-now.com", Auth: AuthBasic, Username: "u"}, "password")
	bad(ConfigInput{InstanceURL: "https://x.service-now.com", Auth: AuthOAuth, ClientID: "c"}, "client_secret")
	if _, err := fx.configs.Get(ctx, "acme"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("refused configurations were stored: %v", err)
	}
	fx.configure(t, "acme", basic())
	// A change without the password keeps the sealed one.
	if _, err := fx.configs.Put(ctx, "acme", ConfigInput{InstanceURL: fx.sn.URL, Auth: AuthBasic, Username: "unyo.integration"}); err != nil {
		t.Fatal(err)
	}
	_, cr, err := fx.configs.Credentials(ctx, "acme")
	if err != nil || cr.Password != "s3cret-pass" {
		t.Errorf("password after an edit without it: %q %v", cr.Password, err)
	}
	var sealed []byte
	fx.sync.db.QueryRowContext(ctx, `SELECT sealed FROM servicenow_configs WHERE tenant_id='acme'`).Scan(&sealed)
	if strings.Contains(string(sealed), "s3cret") {
		t.Error("the password is stored in the clear")
	}
	// A sealed value copied to another tenant does not open there.
	fx.sync.db.ExecContext(ctx, `INSERT INTO servicenow_configs SELECT 'beta', instance_url, auth, username, client_id, sealed, enabled, updated_at, tables FROM servicenow_configs WHERE tenant_id='acme'`)
	if _, _, err := fx.configs.Credentials(ctx, "beta"); err == nil {
		t.Error("acme's sealed password opened for beta")
	}
}

func ptr[T any](v T) *T { return &v }

// TestUpdatesOfAnUnsyncedIncidentAreRefusedNotRetried: an incident opened
// before ServiceNow was configured has no record; its updates are kept as
// refused instead of blocking the outbox for ever.
func TestUpdatesOfAnUnsyncedIncidentAreRefusedNotRetried(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	inc, _ := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("before")})
	fx.configure(t, "acme", basic())
	fx.incidents.AddNote(ctx, "acme", inc.ID, "user:sato", "after", true)
	fx.deliver(t)
	box, _ := fx.sync.Outbox(ctx, "acme", 10)
	if len(box) != 1 || box[0].DoneAt == nil || !strings.HasPrefix(box[0].LastError, "refused: ") || box[0].Attempts != 1 {
		t.Errorf("outbox %+v, want the note refused at once", box)
	}
	if n := len(fx.sn.Requests()); n != 0 {
		t.Errorf("ServiceNow saw %d writes", n)
	}
}
