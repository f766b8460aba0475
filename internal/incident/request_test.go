package incident

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/sla"
)

func TestCatalogRequestsValidateAndNeedApproval(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	svc := fx.service(t, "acme", "desk", weekdays9to18("Asia/Tokyo"), time.Hour, 0, 16*time.Hour)
	item := &CatalogItem{TenantID: "acme", Name: "アカウント追加", ServiceID: svc, ApprovalRequired: true, Fields: []FieldSpec{
		{Name: "user_name", Label: "氏名", Type: FieldString, Required: true},
		{Name: "start_date", Label: "利用開始日", Type: FieldDate, Required: true},
		{Name: "vpn", Label: "VPN", Type: FieldBoolean},
		{Name: "plan", Label: "プラン", Type: FieldChoice, Choices: []string{"basic", "pro"}},
		{Name: "seats", Label: "席数", Type: FieldNumber},
	}}
	if err := fx.s.CreateCatalogItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	bad := func(values map[string]any, field string) {
		t.Helper()
		_, err := fx.s.OpenRequest(ctx, "acme", "user:tanaka", RequestInput{Kind: KindRequest, CatalogItemID: item.ID, Values: values})
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("values %v: %v, want a refusal of %s", values, err, field)
		}
	}
	ok := map[string]any{"user_name": "山田太郎", "start_date": "2026-01-06"}
	bad(map[string]any{"start_date": "2026-01-06"}, "values.user_name")
	bad(map[string]any{"user_name": "x", "start_date": "2026-02-30"}, "values.start_date")
	bad(map[string]any{"user_name": "x", "start_date": "2026-01-06", "vpn": "yes"}, "values.vpn")
	bad(map[string]any{"user_name": "x", "start_date": "2026-01-06", "plan": "gold"}, "values.plan")
	bad(map[string]any{"user_name": "x", "start_date": "2026-01-06", "seats": "3"}, "values.seats")
	bad(map[string]any{"user_name": "x", "start_date": "2026-01-06", "colour": "red"}, "values.colour")
	bad(map[string]any{"user_name": "a\nb", "start_date": "2026-01-06"}, "values.user_name")
	if _, err := fx.s.OpenRequest(ctx, "acme", "u", RequestInput{Kind: KindRequest, CatalogItemID: 999, Values: ok}); err == nil {
		t.Error("a request for a missing item was opened")
	}

	start := time.Date(2026, 1, 5, 10, 0, 0, 0, tokyo)
	fx.clock.set(start)
	req, err := fx.s.OpenRequest(ctx, "acme", "user:tanaka", RequestInput{Kind: KindRequest, CatalogItemID: item.ID, Values: ok})
	if err != nil {
		t.Fatal(err)
	}
	if req.Number != "REQ0001001" || req.ShortDescription != "アカウント追加" || req.Approval != ApprovalPending || req.ServiceID != svc {
		t.Errorf("opened %+v", req)
	}
	if len(req.Clocks) != 2 || req.Clocks[0].Clock != ClockAcknowledge || req.Clocks[1].Clock != ClockResolve {
		t.Errorf("a request's clocks: %+v, want acknowledge and resolve", req.Clocks)
	}
	_, err = fx.s.Transition(ctx, "acme", req.ID, "user:sato", StateChange{State: StateInProgress})
	if e, ok := invalid.As(err); !ok || e.Field != "approval" {
		t.Errorf("working on an unapproved request: %v", err)
	}
	fx.clock.set(start.Add(30 * time.Minute))
	req, err = fx.s.Decide(ctx, "acme", req.ID, "user:manager", true, "承認します")
	if err != nil || req.Approval != ApprovalApproved || req.ApprovalBy != "user:manager" {
		t.Fatalf("approve: %+v %v", req, err)
	}
	if _, err := fx.s.Decide(ctx, "acme", req.ID, "user:manager", false, ""); err == nil {
		t.Error("a decided request was decided again")
	}
	fx.clock.set(start.Add(45 * time.Minute))
	fx.s.Transition(ctx, "acme", req.ID, "user:sato", StateChange{State: StateInProgress})
	fx.clock.set(time.Date(2026, 1, 6, 11, 0, 0, 0, tokyo))
	req, _ = fx.s.Transition(ctx, "acme", req.ID, "user:sato", StateChange{State: StateResolved, CloseCode: "Fulfilled", CloseNotes: "作成済み"})
	if c := clockOf(t, req, ClockAcknowledge); c.Elapsed.Std() != 45*time.Minute || c.State != sla.StateMet {
		t.Errorf("acknowledge clock %+v, want 45m met", c)
	}
	if c := clockOf(t, req, ClockResolve); c.Elapsed.Std() != 10*time.Hour || c.State != sla.StateMet {
		t.Errorf("resolve clock %+v, want 10h (8h Monday, 2h Tuesday) met", c)
	}

	// Rejected: canceled, clocks stopped.
	other, _ := fx.s.OpenRequest(ctx, "acme", "user:tanaka", RequestInput{Kind: KindRequest, CatalogItemID: item.ID, Values: ok})
	other, err = fx.s.Decide(ctx, "acme", other.ID, "user:manager", false, "予算外")
	if err != nil || other.State != StateCanceled || other.Approval != ApprovalRejected || other.Number != "REQ0001002" {
		t.Errorf("reject: %+v %v", other, err)
	}
}

func TestInquiriesAreNumberedApartAndListedApart(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	q, err := fx.s.OpenRequest(ctx, "acme", "user:tanaka", RequestInput{Kind: KindInquiry, Fields: Fields{ShortDescription: ptr("請求書の再発行")}})
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := fx.s.Open(ctx, "acme", "user:sato", Fields{ShortDescription: ptr("x")})
	if q.Number != "INQ0001001" || inc.Number != "INC0001001" || q.Approval != "" {
		t.Errorf("numbers %s %s", q.Number, inc.Number)
	}
	if _, err := fx.s.OpenRequest(ctx, "acme", "u", RequestInput{Kind: "ticket"}); err == nil {
		t.Error("an unknown kind was accepted")
	}
	incidents, _ := fx.s.Incidents(ctx, "acme", Filter{})
	tickets, _ := fx.s.Incidents(ctx, "acme", Filter{Kinds: []Kind{KindInquiry, KindRequest}})
	if len(incidents) != 1 || len(tickets) != 1 || tickets[0].Kind != KindInquiry {
		t.Errorf("incidents %d, requests %d", len(incidents), len(tickets))
	}
	if err := (&CatalogItem{Name: "x", Fields: []FieldSpec{{Name: "A", Type: FieldString}}}).Validate(); err == nil {
		t.Error("an upper-case field name was accepted")
	}
	if err := (&CatalogItem{Name: "x", Fields: []FieldSpec{{Name: "a", Type: FieldChoice}}}).Validate(); err == nil {
		t.Error("a choice without choices was accepted")
	}
}

// TestRequestEndpointsKeepKindsApart: an incident is not reachable as a
// request and the other way round.
func TestRequestEndpointsKeepKindsApart(t *testing.T) {
	s := newServer(t)
	var inc, q Incident
	s.must(t, 201, "POST", "/api/v1/tenants/acme/incidents", acmeRW, map[string]any{"short_description": "i"}, &inc)
	s.must(t, 201, "POST", "/api/v1/tenants/acme/requests", acmeRW, map[string]any{"kind": "inquiry", "short_description": "q"}, &q)
	if code, _ := s.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/requests/%d", inc.ID), acmeRO, nil); code != 404 {
		t.Errorf("an incident as a request: %d", code)
	}
	if code, _ := s.do(t, "POST", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/cause", q.ID), acmeRW, map[string]string{"cause": "x", "category": "y"}); code != 404 {
		t.Errorf("an inquiry as an incident: %d", code)
	}
	s.must(t, 200, "POST", fmt.Sprintf("/api/v1/tenants/acme/requests/%d/acknowledge", q.ID), acmeRW, nil, nil)
	code, data := s.do(t, "POST", "/api/v1/tenants/acme/requests", acmeRW, `{"kind":"request","catalog_item_id":5}`)
	if code != 400 || !contains(data, "catalog_item_id") {
		t.Errorf("a request for a missing item: %d %s", code, data)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
