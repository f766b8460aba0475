package incident

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// vendorService creates a service of acme with a resolve target of 8h (and
// acknowledge 1h, identify 4h) on cal, treating vendor waits as vw.
func (f *fixture) vendorService(t *testing.T, cal calendar.Calendar, vw model.VendorWait) int64 {
	t.Helper()
	svc := &model.Service{TenantID: "acme", Name: "web " + string(vw), Level: model.ServiceLevel{Calendar: cal,
		AcknowledgeTarget: model.Duration(time.Hour), IdentifyTarget: model.Duration(4 * time.Hour),
		ResolveTarget: model.Duration(8 * time.Hour), VendorWait: vw}}
	if err := f.st.CreateService(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return svc.ID
}

func status(s CaseStatus) *CaseStatus { return &s }

// TestVendorWaitMovesTheResolveBreach drives one incident per treatment
// through a vendor case (escalated to Microsoft at +1h, Microsoft replies
// at +4h: three hours waiting) and compares its resolve clock with that of
// an incident that never waited: under pause the deadline, the warning
// and the elapsed time move by exactly the three hours; under run, and
// under the unset default, by nothing. The identify clock never moves.
func TestVendorWaitMovesTheResolveBreach(t *testing.T) {
	// shift is the business time the resolve clock must lose; deadline and
	// warn how far, in wall time, its deadline and warning must move.
	type moved struct{ shift, deadline, warn time.Duration }
	f := func(name string, cal calendar.Calendar, vw model.VendorWait, t0, waitFrom, waitTo, eval time.Time, m moved) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t)
			ctx := context.Background()
			svc := fx.vendorService(t, cal, vw)
			fx.clock.set(t0)
			base, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("no vendor")})
			if err != nil {
				t.Fatal(err)
			}
			inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("Entra ID sign-in fails")})
			if err != nil {
				t.Fatal(err)
			}
			fx.clock.set(waitFrom)
			c, err := fx.s.OpenVendorCase(ctx, "acme", inc.ID, "user:sato", CaseInput{Vendor: VendorMicrosoft, CaseNumber: "2601100010001234",
				Severity: "B", SupportPlan: "Unified Enterprise"})
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != CaseWaitingVendor || c.WaitingSince == nil {
				t.Fatalf("a new case waits on its vendor: %+v", c)
			}
			fx.clock.set(waitTo)
			if _, err := fx.s.UpdateVendorCase(ctx, "acme", inc.ID, c.ID, "user:sato", CaseEdit{Status: status(CaseWaitingUs)}); err != nil {
				t.Fatal(err)
			}
			fx.clock.set(eval)
			got, err := fx.s.Incident(ctx, "acme", inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := fx.s.Incident(ctx, "acme", base.ID)
			if err != nil {
				t.Fatal(err)
			}
			r, rr := clockOf(t, got, ClockResolve), clockOf(t, ref, ClockResolve)
			if r.Deadline.Sub(*rr.Deadline) != m.deadline || r.WarnAt.Sub(*rr.WarnAt) != m.warn {
				t.Errorf("resolve deadline %v warn %v; without the vendor %v warn %v: want them %v and %v later",
					r.Deadline, r.WarnAt, rr.Deadline, rr.WarnAt, m.deadline, m.warn)
			}
			if rr.Elapsed.Std()-r.Elapsed.Std() != m.shift {
				t.Errorf("resolve elapsed %v, without the vendor %v: want %v less", r.Elapsed.Std(), rr.Elapsed.Std(), m.shift)
			}
			if i, ir := clockOf(t, got, ClockIdentify), clockOf(t, ref, ClockIdentify); *i.Deadline != *ir.Deadline {
				t.Errorf("identify deadline %v moved from %v: only the resolve clock waits for the vendor", i.Deadline, ir.Deadline)
			}
			cases, err := fx.s.VendorCases(ctx, "acme", inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) != 1 || cases[0].Waiting.Std() != waitTo.Sub(waitFrom) || cases[0].WaitingSince != nil {
				t.Errorf("cases %+v, want one that waited %v and waits no more", cases, waitTo.Sub(waitFrom))
			}
		})
	}
	h := time.Hour
	sat := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	f("pause, 24x7: three hours later", calendar.Calendar{}, model.VendorWaitPause, sat, sat.Add(h), sat.Add(4*h), sat.Add(5*h), moved{3 * h, 3 * h, 3 * h})
	f("run, 24x7: not moved", calendar.Calendar{}, model.VendorWaitRun, sat, sat.Add(h), sat.Add(4*h), sat.Add(5*h), moved{})
	f("unset is run", calendar.Calendar{}, "", sat, sat.Add(h), sat.Add(4*h), sat.Add(5*h), moved{})
	// Monday 09:00 in Tokyo, 9-18 on weekdays: Microsoft has the case from
	// 10:00 to 13:00, three business hours. The deadline was 17:00; three
	// more business hours make it Tuesday 11:00 (18h later on the wall).
	// The warning at 6h was 15:00, and is now 18:00.
	mon9 := time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)
	f("pause, business hours: the business time waited", weekdays9to18("Asia/Tokyo"), model.VendorWaitPause,
		mon9, mon9.Add(h), mon9.Add(4*h), mon9.Add(5*h), moved{3 * h, 18 * h, 3 * h})
	f("run, business hours: not moved", weekdays9to18("Asia/Tokyo"), model.VendorWaitRun,
		mon9, mon9.Add(h), mon9.Add(4*h), mon9.Add(5*h), moved{})
}

// TestVendorWaitAndOnHold: On Hold pauses every clock as before; leaving
// On Hold while the vendor still has the case resumes acknowledge and
// identify but keeps the resolve clock paused, until the vendor replies.
func TestVendorWaitAndOnHold(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.vendorService(t, calendar.Calendar{}, model.VendorWaitPause)
	t0 := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) { fx.clock.set(t0.Add(d)) }
	at(0)
	inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ServiceID: &svc, ShortDescription: ptr("S3 throttling")})
	if err != nil {
		t.Fatal(err)
	}
	at(30 * time.Minute)
	if _, err := fx.s.Transition(ctx, "acme", inc.ID, "user:sato", StateChange{State: StateInProgress}); err != nil {
		t.Fatal(err)
	}
	at(time.Hour)
	c, err := fx.s.OpenVendorCase(ctx, "acme", inc.ID, "user:sato", CaseInput{Vendor: VendorAWS, CaseNumber: "171234567800"})
	if err != nil {
		t.Fatal(err)
	}
	at(2 * time.Hour)
	if _, err := fx.s.Transition(ctx, "acme", inc.ID, "user:sato", StateChange{State: StateOnHold, HoldReason: HoldAwaitingCaller}); err != nil {
		t.Fatal(err)
	}
	at(3 * time.Hour)
	if _, err := fx.s.Transition(ctx, "acme", inc.ID, "user:sato", StateChange{State: StateInProgress}); err != nil {
		t.Fatal(err)
	}
	at(5 * time.Hour)
	got, err := fx.s.Incident(ctx, "acme", inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	// identify: 0-2h and 3-5h = 4h; resolve: only 0-1h, paused since the case.
	if c := clockOf(t, got, ClockIdentify); c.Elapsed.Std() != 4*time.Hour {
		t.Errorf("identify elapsed %v, want 4h (paused On Hold only)", c.Elapsed.Std())
	}
	if c := clockOf(t, got, ClockResolve); c.Elapsed.Std() != time.Hour || c.State != sla.StatePaused {
		t.Errorf("resolve %v %s, want 1h paused while AWS has the case", c.Elapsed.Std(), c.State)
	}
	if _, err := fx.s.UpdateVendorCase(ctx, "acme", inc.ID, c.ID, "user:sato", CaseEdit{Status: status(CaseResolved)}); err != nil {
		t.Fatal(err)
	}
	at(6 * time.Hour)
	got, _ = fx.s.Incident(ctx, "acme", inc.ID)
	if c := clockOf(t, got, ClockResolve); c.Elapsed.Std() != 2*time.Hour || c.State != sla.StateRunning {
		t.Errorf("resolve %v %s after AWS resolved the case, want 2h running", c.Elapsed.Std(), c.State)
	}
}

// TestVendorCaseTimelineSpeaksBothLanguages: escalating and the vendor's
// reply are timeline lines a customer sees, in Japanese and in English;
// the case's notes are never on the timeline.
func TestVendorCaseTimelineSpeaksBothLanguages(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	inc, err := fx.s.OpenRequest(ctx, "acme", "user:sato", RequestInput{Kind: KindInquiry, Fields: Fields{ShortDescription: ptr("Teams の録画が消えた")}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := fx.s.OpenVendorCase(ctx, "acme", inc.ID, "user:sato", CaseInput{Vendor: VendorMicrosoft, CaseNumber: "2612070040000123",
		Notes: "内部メモ: 担当者は山田さん"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.s.UpdateVendorCase(ctx, "acme", inc.ID, c.ID, "user:sato", CaseEdit{Status: status(CaseWaitingUs)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.s.UpdateVendorCase(ctx, "acme", inc.ID, c.ID, "user:sato", CaseEdit{Status: status(CaseClosed)}); err != nil {
		t.Fatal(err)
	}
	tl, err := fx.s.Timeline(ctx, "acme", inc.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var ja, en []string
	for _, e := range tl {
		if e.Kind == EntryVendor {
			ja, en = append(ja, e.Text("ja")), append(en, e.Text("en"))
		}
		if strings.Contains(e.Body, "山田") {
			t.Errorf("the case's notes reached the timeline: %+v", e)
		}
	}
	wantJA := []string{"Microsoftへエスカレーションしました（ケース 2612070040000123）",
		"Microsoftから回答がありました（ケース 2612070040000123、当社対応待ち）", "Microsoftのケース 2612070040000123 をクローズしました"}
	wantEN := []string{"Escalated to Microsoft, case 2612070040000123", "Microsoft replied, case 2612070040000123 (waiting on us)",
		"Microsoft case 2612070040000123 closed"}
	if strings.Join(ja, "|") != strings.Join(wantJA, "|") || strings.Join(en, "|") != strings.Join(wantEN, "|") {
		t.Errorf("timeline\n ja %q\n en %q\nwant\n ja %q\n en %q", ja, en, wantJA, wantEN)
	}
	if _, err := fx.s.UpdateVendorCase(ctx, "acme", inc.ID, c.ID, "user:sato", CaseEdit{Status: status(CaseWaitingVendor)}); !isField(err, "status") {
		t.Errorf("reopening a closed case: %v, want refused naming status", err)
	}
}

// TestVendorCaseInput refuses what is not a case, naming the field, and
// keeps cases to incidents and inquiries of the tenant.
func TestVendorCaseInput(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	inc, err := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("VPN down")})
	if err != nil {
		t.Fatal(err)
	}
	f := func(in CaseInput, field string) {
		t.Helper()
		if _, err := fx.s.OpenVendorCase(ctx, "acme", inc.ID, "u", in); !isField(err, field) {
			t.Errorf("%+v: %v, want refused naming %s", in, err, field)
		}
	}
	f(CaseInput{Vendor: "ibm", CaseNumber: "1"}, "vendor")
	f(CaseInput{Vendor: VendorOther, CaseNumber: "1"}, "vendor_name")
	f(CaseInput{Vendor: VendorAWS, VendorName: "Amazon", CaseNumber: "1"}, "vendor_name")
	f(CaseInput{Vendor: VendorAWS, CaseNumber: "  "}, "case_number")
	f(CaseInput{Vendor: VendorAWS, CaseNumber: "1", Status: "pending"}, "status")
	f(CaseInput{Vendor: VendorAWS, CaseNumber: "1", Severity: strings.Repeat("x", 41)}, "severity")
	future := fx.clock.now().Add(time.Hour)
	f(CaseInput{Vendor: VendorAWS, CaseNumber: "1", OpenedAt: &future}, "opened_at")
	if _, err := fx.s.OpenVendorCase(ctx, "acme", inc.ID, "u", CaseInput{Vendor: VendorOther, VendorName: "Cisco TAC", CaseNumber: "69123"}); err != nil {
		t.Fatal(err)
	}
	f(CaseInput{Vendor: VendorOther, VendorName: "Cisco TAC", CaseNumber: "69123"}, "case_number")
	if _, err := fx.s.OpenVendorCase(ctx, "beta", inc.ID, "u", CaseInput{Vendor: VendorAWS, CaseNumber: "1"}); err == nil {
		t.Error("tenant beta opened a case on acme's incident")
	}
	if list, err := fx.s.TenantVendorCases(ctx, "beta", CaseFilter{All: true}); err != nil || len(list) != 0 {
		t.Errorf("beta lists %v %v, want none", list, err)
	}
	if list, err := fx.s.TenantVendorCases(ctx, "acme", CaseFilter{}); err != nil || len(list) != 1 || list[0].VendorLabel() != "Cisco TAC" {
		t.Errorf("acme lists %v %v, want the Cisco TAC case", list, err)
	}
}

func isField(err error, field string) bool {
	var ie *invalid.Error
	return errors.As(err, &ie) && ie.Field == field
}

// TestVendorWaitsInAPeriod sums a month's vendor cases per vendor: the
// cases active in it, and their waits cut to the month and to now; a case
// closed before the month and another tenant's case are not in it.
func TestVendorWaitsInAPeriod(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	nov, dec := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(s string) { tm, _ := time.Parse("2006-01-02 15:04", s); fx.clock.set(tm) }
	open := func(tenant string, v Vendor, number string) (int64, int64) {
		inc, err := fx.s.Open(ctx, tenant, "u", Fields{ShortDescription: ptr("x")})
		if err != nil {
			t.Fatal(err)
		}
		c, err := fx.s.OpenVendorCase(ctx, tenant, inc.ID, "u", CaseInput{Vendor: v, CaseNumber: number})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID, c.ID
	}
	move := func(tenant string, inc, c int64, s CaseStatus) {
		if _, err := fx.s.UpdateVendorCase(ctx, tenant, inc, c, "u", CaseEdit{Status: &s}); err != nil {
			t.Fatal(err)
		}
	}
	at("2026-10-10 00:00") // closed in October: not in November
	i, c := open("acme", VendorMicrosoft, "old")
	at("2026-10-11 00:00")
	move("acme", i, c, CaseClosed)
	at("2026-10-31 12:00") // waits from October into November: 12h of it in November
	i, c = open("acme", VendorMicrosoft, "m1")
	at("2026-11-01 12:00")
	move("acme", i, c, CaseWaitingUs)
	at("2026-11-10 09:00") // AWS: 2h, replied, then 30m more
	i2, c2 := open("acme", VendorAWS, "a1")
	at("2026-11-10 11:00")
	move("acme", i2, c2, CaseWaitingUs)
	at("2026-11-10 12:00")
	move("acme", i2, c2, CaseWaitingVendor)
	at("2026-11-10 12:30")
	move("acme", i2, c2, CaseResolved)
	at("2026-11-20 00:00") // still waiting: counted up to now
	open("acme", VendorMicrosoft, "m2")
	open("beta", VendorMicrosoft, "beta")
	at("2026-11-20 03:00")
	got, err := fx.s.VendorWaitsIn(ctx, "acme", nov, dec)
	if err != nil {
		t.Fatal(err)
	}
	want := []VendorWaits{{Vendor: "Microsoft", Cases: 2, Waiting: 15 * time.Hour}, {Vendor: "AWS", Cases: 1, Waiting: 150 * time.Minute}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("November: %+v, want %+v", got, want)
	}
}
