package blueprint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/storage"
)

const noisy = "Cart log rotation warnings until the vendor's fix (ACME-1234)"

// withSilence is the template with a silence of the cart-errors check
// for the next 30 days (a silence in the template itself would expire).
func withSilence(t *testing.T) *Design {
	d := loadTemplate(t)
	d.Silences = []Silence{{Comment: noisy, Matchers: []alert.Matcher{{Name: "alertname", Op: "=", Value: "cart-errors"}},
		EndsAt: time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)}}
	return d
}

// What the people's objects do once applied: the rotation says who is on
// call, the silence holds its alerts, the page is public, the report goes
// to its recipients.
func TestPeopleApplied(t *testing.T) {
	f := newFixture(t)
	d := withSilence(t)
	res := f.apply(t, d, false)
	for _, want := range []string{"create contact sato", "create oncall_rotation acme-primary", "create escalation_policy acme-oncall",
		"create silence " + noisy, "create status_page acme-shop", "create report_schedule acme-shop"} {
		if !strings.Contains(changes(res.Plan), want) {
			t.Fatalf("first apply lacks %q:\n%s", want, changes(res.Plan))
		}
	}
	if p := f.plan(t, d, true); !p.Empty() || len(p.Drift) != 0 {
		t.Fatalf("a second plan: %s drift %+v", changes(p), p.Drift)
	}
	ctx := context.Background()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for at, want := range map[time.Time]string{
		time.Date(2027, 1, 4, 9, 0, 0, 0, tokyo):   "yamada",
		time.Date(2027, 1, 11, 8, 59, 0, 0, tokyo): "yamada",
		time.Date(2027, 1, 11, 9, 0, 0, 0, tokyo):  "suzuki",
		time.Date(2027, 1, 20, 12, 0, 0, 0, tokyo): "lee",
	} {
		if got, err := f.stores.Rotations.Resolve(ctx, "acme-shop", "acme-primary", at); err != nil || got != want {
			t.Fatalf("on call at %s: %q %v, want %q", at, got, err, want)
		}
	}
	if id, err := f.stores.Silences.Store().SilencedBy(ctx, "acme-shop", map[string]string{"alertname": "cart-errors", "host": "acme-web-01"}, time.Now()); err != nil || id == 0 {
		t.Fatalf("cart-errors not silenced: %d %v", id, err)
	}
	if id, _ := f.stores.Silences.Store().SilencedBy(ctx, "acme-shop", map[string]string{"alertname": "top-page"}, time.Now()); id != 0 {
		t.Fatal("the silence holds another check")
	}
	if p, err := f.stores.StatusPages.Store().BySlug(ctx, "acme-shop-status"); err != nil || p.Tenant != "acme-shop" || p.Title != "ACME ショップ 稼働状況" {
		t.Fatalf("public page %+v %v", p, err)
	}
	rs, _ := f.stores.Reports.Recipients(ctx, "acme-shop")
	if fmt.Sprint(rs) != "[{it-managers@acme.example ACME 情報システム部} {sato@acme.example sato}]" {
		t.Fatalf("report recipients %v", rs)
	}
	dest, err := f.stores.Channels.Resolve(ctx, "acme-shop", "contact:lee")
	if err != nil || dest.Language != "en" {
		t.Fatalf("contact lee: %+v %v", dest, err)
	}
}

// One field changed plans one update naming it, and once applied plans
// nothing again; for each kind.
func TestPeopleOneFieldOneUpdate(t *testing.T) {
	f := newFixture(t)
	d := withSilence(t)
	f.apply(t, d, false)
	step := func(change func(), want string) {
		t.Helper()
		change()
		if got := changes(f.plan(t, d, false)); !strings.HasPrefix(got, want) || strings.Contains(got, "\n") {
			t.Fatalf("plan:\n%s\nwant one line starting %q", got, want)
		}
		f.apply(t, d, false)
		if p := f.plan(t, d, false); !p.Empty() || len(p.Drift) != 0 {
			t.Fatalf("after the apply: %s drift %+v", changes(p), p.Drift)
		}
	}
	step(func() { d.Contacts[2].Language = "ja" }, "update contact lee [language: en → ja]")
	step(func() { d.OnCallRotations[0].TimeZone = "Asia/Seoul" }, "update oncall_rotation acme-primary [time_zone: Asia/Tokyo → Asia/Seoul]")
	end := d.Silences[0].EndsAt
	step(func() { d.Silences[0].EndsAt = end.Add(24 * time.Hour) }, "update silence "+noisy+" [ends_at: "+end.UTC().Format(time.RFC3339))
	step(func() { d.StatusPage.Title = "ACME Shop status" }, "update status_page acme-shop [title: ACME ショップ 稼働状況 → ACME Shop status]")
	step(func() { d.ReportSchedule.Recipients[1].Name = "ACME IT" }, "update report_schedule acme-shop [recipients: ")

	// A silence is replaced, not edited: the first is expired, its record kept.
	list, _ := f.stores.Silences.Silences(context.Background(), "acme-shop")
	if len(list) != 2 || list[1].State(time.Now()) != alert.SilenceExpired || !list[0].EndsAt.Equal(end.Add(24*time.Hour)) {
		t.Fatalf("silences %+v", list)
	}
}

// Without --prune the people's objects the design leaves out are kept and
// listed; with it, deleted: the page is off, the silence ended, nobody
// receives the report.
func TestPeoplePrune(t *testing.T) {
	f := newFixture(t)
	d := withSilence(t)
	f.apply(t, d, false)
	d.Contacts, d.OnCallRotations, d.Silences, d.StatusPage, d.ReportSchedule = nil, nil, nil, nil, nil
	d.EscalationPolicies = d.EscalationPolicies[:1] // acme-oncall names them
	if p := f.plan(t, d, false); !p.Empty() || len(p.Unmanaged) != 9 {
		t.Fatalf("without prune: %s unmanaged %+v", changes(p), p.Unmanaged)
	}
	want := strings.Join([]string{
		"delete report_schedule acme-shop", "delete status_page acme-shop", "delete silence " + noisy, "delete escalation_policy acme-oncall",
		"delete oncall_rotation acme-primary", "delete contact lee", "delete contact sato", "delete contact suzuki", "delete contact yamada",
	}, "\n")
	if got := changes(f.plan(t, d, true)); got != want {
		t.Fatalf("prune plan:\n%s\nwant\n%s", got, want)
	}
	f.apply(t, d, true)
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("after prune:\n%s", changes(p))
	}
	ctx := context.Background()
	if _, err := f.stores.StatusPages.Store().BySlug(ctx, "acme-shop-status"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the page is still public: %v", err)
	}
	if id, _ := f.stores.Silences.Store().SilencedBy(ctx, "acme-shop", map[string]string{"alertname": "cart-errors"}, time.Now()); id != 0 {
		t.Fatal("the pruned silence still holds")
	}
	rs, _ := f.stores.Reports.Recipients(ctx, "acme-shop")
	cs, _ := f.stores.Channels.Contacts(ctx, "acme-shop")
	rots, _ := f.stores.Rotations.List(ctx, "acme-shop")
	if len(rs)+len(cs)+len(rots) != 0 {
		t.Fatalf("left %d recipients, %d contacts, %d rotations", len(rs), len(cs), len(rots))
	}
}

// A tenant whose people were set up by hand exports to files that plan to
// no changes.
func TestPeopleExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := withSilence(t)
	f.apply(t, d, false)
	// By hand: a contact, a silence, the page's title, a recipient.
	if err := f.stores.Channels.CreateContact(ctx, &channel.Contact{Tenant: "acme-shop", Name: "kato", Email: "kato@acme.example", Via: "acme-mail"}); err != nil {
		t.Fatal(err)
	}
	s := &alert.Silence{TenantID: "acme-shop", Matchers: []alert.Matcher{{Name: "host", Op: "=~", Value: "acme-web-0[12]"}},
		StartsAt: time.Now().Add(48 * time.Hour), EndsAt: time.Now().Add(50 * time.Hour), Comment: "OS upgrade, change CHG-77"}
	if err := f.stores.Silences.CreateSilence(ctx, s, "user:ops"); err != nil {
		t.Fatal(err)
	}
	if err := f.stores.Reports.SetRecipients(ctx, "acme-shop", []report.Recipient{{Email: "kato@acme.example", Name: "kato"}, {Email: "cfo@acme.example", Name: "CFO"}}); err != nil {
		t.Fatal(err)
	}
	exported, err := f.planner.Export(ctx, "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(exported.Contacts) != 5 || len(exported.Silences) != 2 || exported.StatusPage == nil ||
		fmt.Sprint(exported.ReportSchedule.Recipients) != "[{ cfo@acme.example CFO} {kato  }]" {
		t.Fatalf("exported %d contacts, %d silences, page %v, report %+v", len(exported.Contacts), len(exported.Silences), exported.StatusPage, exported.ReportSchedule)
	}
	files, err := Files(exported)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"contacts.yaml", "oncall.yaml", "silences.yaml", "status-page.yaml", "report.yaml"} {
		if len(files[name]) == 0 {
			t.Fatalf("no %s among %v", name, sortedKeys(files))
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	env := map[string]string{"UNYO_ACME_MAIL_PASSWORD": secrets["ACME_SMTP_PASSWORD"], "UNYO_ACME_SLACK_WEBHOOK_URL": secrets["ACME_SLACK_WEBHOOK"],
		"UNYO_ACME_AZURE_CLIENT_SECRET": secrets["AZURE_CLIENT_SECRET"]}
	back, err := Load(dir, Options{Resolve: func(kind, arg string) (string, error) { return env[arg], nil }})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.plan(t, back, true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}
}

// A silence of the design expired by hand in the console is drift: the
// plan makes it again. One made by hand with the same comment is another
// silence, kept apart.
func TestSilenceExpiredByHand(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := withSilence(t)
	f.apply(t, d, false)
	list, _ := f.stores.Silences.Silences(ctx, "acme-shop")
	if err := f.stores.Silences.ExpireSilence(ctx, "acme-shop", list[0].ID); err != nil {
		t.Fatal(err)
	}
	p := f.plan(t, d, false)
	if changes(p) != "create silence "+noisy || fmt.Sprint(p.Drift) != "[{silence "+noisy+"}]" {
		t.Fatalf("plan %s drift %+v", changes(p), p.Drift)
	}
	f.apply(t, d, false)
	again := &alert.Silence{TenantID: "acme-shop", Matchers: []alert.Matcher{{Name: "severity", Op: "=", Value: "warning"}},
		EndsAt: time.Now().Add(time.Hour), Comment: noisy}
	if err := f.stores.Silences.CreateSilence(ctx, again, "user:ops"); err != nil {
		t.Fatal(err)
	}
	p = f.plan(t, d, false)
	if !p.Empty() || fmt.Sprint(p.Unmanaged) != fmt.Sprintf("[{silence %s (#%d)}]", noisy, again.ID) {
		t.Fatalf("plan %s unmanaged %+v", changes(p), p.Unmanaged)
	}
}

// Every problem of the people's files, at its place; references to
// contacts and rotations the design does not have are refused.
func TestPeopleProblems(t *testing.T) {
	files := map[string][]byte{
		"a.yaml": []byte(`tenant: acme
channels:
  - {name: mail, type: email, config: {host: smtp.example, port: 587, from: a@example.com, to: [b@example.com]}}
  - {name: chat, type: slack, config: {webhook_url: "${env:SLACK}"}}
contacts:
  - {name: ann, email: ann@example.com, via: mail}
  - {name: bob, email: bob@example.com, via: chat}
  - {name: cy, email: "Cy <cy@example.com>", via: post, language: fr}
oncall_rotations:
  - name: primary
    time_zone: Asia/Tokio
    layers: [{members: [ann, nobody], handoff: weekly, start: "2027-01-04T09:00"}]
escalation_policies:
  - name: page
    steps: [{targets: [mail, "contact:ann", "contact:zed", "oncall:primary", "oncall:secondary"]}]
silences:
  - {comment: old noise, matchers: [{name: alertname, op: "=", value: x}], ends_at: 2020-01-01T00:00:00Z}
  - {comment: everything, matchers: [{name: host, op: "=~", value: ".*"}], ends_at: ` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `}
`),
		"b.yaml": []byte(`status_page: {slug: "Acme Shop"}
report_schedule:
  recipients:
    - contact: ann
    - {contact: zed}
    - {email: not-an-address}
    - {contact: ann, name: Ann}
`),
	}
	_, err := LoadFiles(files, Options{})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want problems, got %v", err)
	}
	want := []string{
		`a.yaml:7:46: contacts[1].via: channel "chat" is not an email channel: a contact is mailed through one`,
		`a.yaml:8:23: contacts[2].email: must be a plain address such as ops@example.com`,
		`a.yaml:8:51: contacts[2].via: no channel "post" in this design`,
		`a.yaml:11:16: oncall_rotations[0].time_zone: "Asia/Tokio" is not an IANA time zone`,
		`a.yaml:12:30: oncall_rotations[0].layers[0].members[1]: no contact "nobody" in this design`,
		`a.yaml:15:45: escalation_policies[0].steps[0].targets[2]: no contact "zed" in this design`,
		`a.yaml:15:78: escalation_policies[0].steps[0].targets[4]: no on-call rotation "secondary" in this design`,
		`a.yaml:17:85: silences[0].ends_at: 2020-01-01T00:00:00Z has passed: the silence has ended, remove it from the design`,
		`a.yaml:18:37: silences[1].matchers: at least one must not match an empty value, or the silence would hold every alert`,
		`b.yaml:1:21: status_page.slug: must be 3-63 lower-case letters, digits or -, starting with a letter or digit`,
		`b.yaml:5:17: report_schedule.recipients[1].contact: no contact "zed" in this design`,
		`b.yaml:7:28: report_schedule.recipients[3].name: is the contact's own name: leave it out`,
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A one-per-tenant object is given in one file only.
	_, err = LoadFiles(map[string][]byte{"a.yaml": []byte("tenant: acme\nstatus_page: {slug: acme-one}\n"), "b.yaml": []byte("status_page:\n  slug: acme-two\n")}, Options{})
	if err == nil || err.Error() != "b.yaml:1:1: status_page: is given here and in a.yaml:2:1: one per tenant" {
		t.Fatalf("got %v", err)
	}
}
