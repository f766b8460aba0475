package servicenow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// records opens and updates once an inquiry, a catalog request, a problem
// and a change of acme, as an operator would.
func (fx *fixture) records(t *testing.T) (inq, req *incident.Incident, prb *problem.Problem, chg *change.Change) {
	t.Helper()
	ctx := context.Background()
	var err error
	inq, err = fx.incidents.OpenRequest(ctx, "acme", "user:sato", incident.RequestInput{Kind: incident.KindInquiry,
		Fields: incident.Fields{ShortDescription: ptr("Teams の録画が保存されない"), Description: ptr("Microsoft に問い合わせ希望")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.incidents.AddNote(ctx, "acme", inq.ID, "user:sato", "Microsoft へ問い合わせ代行を開始", true); err != nil {
		t.Fatal(err)
	}
	item := &incident.CatalogItem{TenantID: "acme", Name: "VPNアカウント発行", ApprovalRequired: true,
		Fields: []incident.FieldSpec{{Name: "user_name", Label: "氏名", Type: incident.FieldString, Required: true}}}
	if err := fx.incidents.CreateCatalogItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	req, err = fx.incidents.OpenRequest(ctx, "acme", "user:yamada", incident.RequestInput{Kind: incident.KindRequest, CatalogItemID: item.ID,
		Values: map[string]any{"user_name": "山田"}})
	if err != nil {
		t.Fatal(err)
	}
	if req, err = fx.incidents.Decide(ctx, "acme", req.ID, "user:yamada", true, "OK"); err != nil {
		t.Fatal(err)
	}
	prb = &problem.Problem{TenantID: "acme", Title: "バックアップの夜間失敗", Priority: 2, CreatedBy: "user:sato"}
	if err := fx.problems.Create(ctx, prb, nil); err != nil {
		t.Fatal(err)
	}
	if prb, err = fx.problems.Move(ctx, "acme", prb.ID, problem.StateAssess, "user:sato"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 10, 13, 0, 0, 0, time.UTC)
	chg, err = fx.changes.Create(ctx, "acme", "user:sato", change.Fields{Type: change.TypeNormal, Title: "DBパッチ適用", Risk: change.RiskMedium,
		Selector: map[string]string{"role": "db"}, Plan: "patch", Backout: "rollback", Start: start, End: start.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if chg, err = fx.changes.Submit(ctx, "acme", chg.ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	return inq, req, prb, chg
}

// TestEveryKindCreatedAndUpdatedOnceInOrder: an inquiry, a catalog request,
// a problem and a change each reach their table once as a create and once
// as an update, in order, with ServiceNow's values.
func TestEveryKindCreatedAndUpdatedOnceInOrder(t *testing.T) {
	fx := newFixture(t)
	fx.configure(t, "acme", basic())
	inq, req, prb, chg := fx.records(t)
	if n := fx.deliver(t); n != 9 {
		t.Fatalf("delivered %d, want 9 (4 creates, a requested item, 4 updates)", n)
	}
	if n := fx.deliver(t); n != 0 {
		t.Fatalf("a second round delivered %d more", n)
	}
	type write struct{ method, table, field, value string }
	want := []write{
		{"POST", "incident", "correlation_id", CorrelationID(inq.ID)},
		{"PATCH", "incident", "work_notes", "Microsoft へ問い合わせ代行を開始"},
		{"POST", "sc_request", "correlation_id", CorrelationID(req.ID)},
		{"POST", "sc_req_item", "description", "user_name: 山田\n"},
		{"PATCH", "sc_request", "approval", "approved"},
		{"POST", "problem", "state", "101"},
		{"PATCH", "problem", "state", "102"},
		{"POST", "change_request", "state", "-5"},
		{"PATCH", "change_request", "state", "-3"},
	}
	reqs := fx.sn.Requests()
	if len(reqs) != len(want) {
		t.Fatalf("instance saw %d writes, want %d: %+v", len(reqs), len(want), reqs)
	}
	// Writes of different records may interleave; each record's are in order.
	seen := map[string]int{}
	for _, w := range want {
		i := slicesIndex(reqs, func(r servicenowtest.Request) bool {
			return r.Method == w.method && r.Table == w.table && r.Fields[w.field] == w.value
		})
		if i < 0 {
			t.Errorf("no %s %s with %s=%q in %+v", w.method, w.table, w.field, w.value, reqs)
			continue
		}
		if i < seen[w.table] {
			t.Errorf("%s %s came before an earlier write of its record", w.method, w.table)
		}
		seen[w.table] = i
	}
	inquiry := fx.sn.RecordsIn("incident")[0]
	if inquiry["category"] != "inquiry" || !strings.HasPrefix(inquiry["number"], "INC") || inquiry["correlation_display"] != "unyo "+inq.Number {
		t.Errorf("inquiry in ServiceNow: %v", inquiry)
	}
	request, items := fx.sn.RecordsIn("sc_request")[0], fx.sn.RecordsIn("sc_req_item")
	if request["approval"] != "approved" || request["request_state"] != "requested" || len(items) != 1 || items[0]["request"] != request["sys_id"] ||
		!strings.HasPrefix(items[0]["number"], "RITM") {
		t.Errorf("request %v, items %v", request, items)
	}
	pr := fx.sn.RecordsIn("problem")[0]
	if pr["state"] != "102" || pr["impact"] != "1" || pr["urgency"] != "2" || pr["short_description"] != prb.Title || !strings.HasPrefix(pr["number"], "PRB") {
		t.Errorf("problem in ServiceNow: %v", pr)
	}
	ch := fx.sn.RecordsIn("change_request")[0]
	if ch["type"] != "normal" || ch["risk"] != "3" || ch["approval"] != "requested" || ch["start_date"] != "2026-01-10 13:00:00" ||
		ch["end_date"] != "2026-01-10 15:00:00" || ch["implementation_plan"] != "patch" || ch["backout_plan"] != "rollback" || ch["state"] != "-3" {
		t.Errorf("change in ServiceNow: %v", ch)
	}
	_ = chg
	// Each record knows its ServiceNow number.
	for _, k := range []struct {
		kind Kind
		id   int64
		pre  string
	}{{KindInquiry, inq.ID, "INC"}, {KindRequest, req.ID, "REQ"}, {KindProblem, prb.ID, "PRB"}, {KindChange, chg.ID, "CHG"}} {
		got, err := fx.configs.Linked(context.Background(), "acme", k.kind, k.id)
		if err != nil || got == nil || !strings.HasPrefix(got.Number, k.pre) || !strings.HasPrefix(got.URL, fx.sn.URL+"/nav_to.do?uri=") {
			t.Errorf("%s %d linked as %+v %v", k.kind, k.id, got, err)
		}
		if other, _ := fx.configs.Linked(context.Background(), "beta", k.kind, k.id); other != nil {
			t.Errorf("beta sees acme's %s link %+v", k.kind, other)
		}
	}
}

func slicesIndex[T any](list []T, f func(T) bool) int {
	for i, v := range list {
		if f(v) {
			return i
		}
	}
	return -1
}

// TestInquiriesToCustomerServiceCases: with the CSM case table chosen, an
// inquiry is a case, its states the case's.
func TestInquiriesToCustomerServiceCases(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	in := basic()
	in.Tables = Tables{KindInquiry: TableCase}
	fx.configure(t, "acme", in)
	inq, err := fx.incidents.OpenRequest(ctx, "acme", "user:sato", incident.RequestInput{Kind: incident.KindInquiry,
		Fields: incident.Fields{ShortDescription: ptr("ライセンスの確認")}})
	if err != nil {
		t.Fatal(err)
	}
	fx.incidents.Transition(ctx, "acme", inq.ID, "user:sato", incident.StateChange{State: incident.StateInProgress})
	fx.incidents.Transition(ctx, "acme", inq.ID, "user:sato", incident.StateChange{State: incident.StateResolved, CloseCode: "Answered", CloseNotes: "回答済み"})
	if n := fx.deliver(t); n != 3 {
		t.Fatalf("delivered %d, want 3: %+v", n, fx.sn.Requests())
	}
	cases := fx.sn.RecordsIn("sn_customerservice_case")
	if len(cases) != 1 || cases[0]["state"] != "6" || cases[0]["close_notes"] != "Answered: 回答済み" || !strings.HasPrefix(cases[0]["number"], "CS") {
		t.Errorf("cases %+v", cases)
	}
	if got := fx.sn.Requests(); got[1].Fields["state"] != "10" {
		t.Errorf("in progress sent as %v, want the case's Open 10", got[1].Fields)
	}
	if len(fx.sn.RecordsIn("incident")) != 0 {
		t.Error("the inquiry went to the incident table too")
	}
}

// TestTablesSetting: the mapping is answered with its defaults and a table
// a kind cannot go to is refused naming the kind.
func TestTablesSetting(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	cfg, _ := fx.configs.Get(ctx, "acme")
	want := Tables{KindIncident: "incident", KindInquiry: "incident", KindRequest: "sc_request", KindProblem: "problem", KindChange: "change_request"}
	for k, v := range want {
		if cfg.Tables[k] != v {
			t.Errorf("default table of %s: %q, want %q", k, cfg.Tables[k], v)
		}
	}
	in := basic()
	in.InstanceURL = fx.sn.URL
	in.Tables = Tables{KindProblem: "incident"}
	if _, err := fx.configs.Put(ctx, "acme", in); !isInvalid(err, "tables.problem") {
		t.Errorf("problem to incident: %v", err)
	}
	in.Tables = Tables{"task": "incident"}
	if _, err := fx.configs.Put(ctx, "acme", in); !isInvalid(err, "tables") {
		t.Errorf("unknown kind: %v", err)
	}
	in.Tables = nil // omitted: kept
	fx.configure(t, "acme", ConfigInput{Auth: AuthBasic, Username: "unyo.integration", Tables: Tables{KindInquiry: TableCase}})
	fx.configure(t, "acme", in)
	if cfg, _ := fx.configs.Get(ctx, "acme"); cfg.Tables[KindInquiry] != TableCase {
		t.Errorf("an edit without tables reset them: %v", cfg.Tables)
	}
}

func isInvalid(err error, field string) bool {
	e, ok := invalid.As(err)
	return ok && e.Field == field
}

// TestPullBringsBackEveryKind: states, approvals and notes changed in
// ServiceNow come back to unyo and are not sent back.
func TestPullBringsBackEveryKind(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	inq, _, prb, chg := fx.records(t)
	fx.deliver(t)
	writes := len(fx.sn.Requests())
	inqRec, prbRec, chgRec := fx.sn.RecordsIn("incident")[0], fx.sn.RecordsIn("problem")[0], fx.sn.RecordsIn("change_request")[0]
	fx.sn.AddJournal(inqRec["sys_id"], "comments", "ms.support", "Microsoft から回答がありました")
	fx.sn.Set(prbRec["sys_id"], map[string]string{"state": "104"})
	fx.sn.Set(chgRec["sys_id"], map[string]string{"approval": "approved", "state": "-1"})
	n, err := fx.sync.Pull(ctx)
	if err != nil || n != 3 {
		t.Fatalf("pull applied %d (%v), want 3", n, err)
	}
	tl, _ := fx.incidents.Timeline(ctx, "acme", inq.ID, true)
	comments, notes := 0, 0
	for _, e := range tl {
		if strings.Contains(e.Body, "Microsoft から回答がありました") && !e.Internal {
			comments++
		}
		if strings.Contains(e.Body, "Microsoft へ問い合わせ代行を開始") {
			notes++
		}
	}
	if comments != 1 || notes != 1 {
		t.Errorf("timeline holds the ServiceNow comment %d times and unyo's own note %d times, want 1 and 1: %+v", comments, notes, tl)
	}
	p, _ := fx.problems.Problem(ctx, "acme", prb.ID)
	if p.State != problem.StateFixInProgress {
		t.Errorf("problem after ServiceNow moved it to Fix in Progress: %s", p.State)
	}
	c, _ := fx.changes.Get(ctx, "acme", chg.ID)
	if c.State != change.StateInProgress || c.Approval != change.ApprovalDocumented || !strings.HasPrefix(c.ApprovalRef, "ServiceNow CHG") {
		t.Errorf("change after ServiceNow approved and began it: %s %s %q", c.State, c.Approval, c.ApprovalRef)
	}
	log, _ := fx.st.AuditLog(ctx, "acme", 100)
	audited := map[string]bool{}
	for _, e := range log {
		if e.Actor == incident.ActorServiceNow {
			audited[e.ObjectType] = true
		}
	}
	if !audited["problem"] || !audited["change"] || !audited["inquiry"] {
		t.Errorf("pulled changes are not audited as servicenow: %v", audited)
	}
	fx.deliver(t)
	if got := len(fx.sn.Requests()); got != writes {
		t.Errorf("pulled changes were sent back: %+v", fx.sn.Requests()[writes:])
	}
	if n, _ := fx.sync.Pull(ctx); n != 0 {
		t.Errorf("a second pull applied %d again", n)
	}
}

// TestUncertainUpdateIsNotWrittenTwice: an update whose attempt was made
// but whose outcome was never stored (the server was killed in between) is
// checked against the record and its journal, not written again.
func TestUncertainUpdateIsNotWrittenTwice(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.configure(t, "acme", basic())
	inc, _ := fx.incidents.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: ptr("x")})
	fx.deliver(t)
	fx.incidents.AddNote(ctx, "acme", inc.ID, "user:sato", "調査中", true)
	box, _ := fx.sync.Outbox(ctx, "acme", 1)
	// The note reached ServiceNow; then the process died before storing that.
	l, _ := fx.sync.linkOf(ctx, KindIncident, inc.ID)
	c := NewClient(Config{InstanceURL: fx.sn.URL, Auth: AuthBasic, Username: "unyo.integration"}, Credentials{Password: "s3cret-pass"}, loopback, time.Second)
	if _, err := c.Update(ctx, "incident", l.sysID, box[0].Fields); err != nil {
		t.Fatal(err)
	}
	fx.sync.db.ExecContext(ctx, `UPDATE servicenow_outbox SET attempts=1 WHERE id=?`, box[0].ID)
	if n := fx.deliver(t); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	if j := fx.sn.Journal(l.sysID); len(j) != 1 {
		t.Errorf("the note is %d times in the journal, want once: %+v", len(j), j)
	}
	// An uncertain update that did not reach ServiceNow is sent.
	fx.incidents.AddNote(ctx, "acme", inc.ID, "user:sato", "再起動", true)
	fx.sync.db.ExecContext(ctx, `UPDATE servicenow_outbox SET attempts=1 WHERE done_at IS NULL`)
	fx.deliver(t)
	if j := fx.sn.Journal(l.sysID); len(j) != 2 || j[1]["value"] != "再起動" {
		t.Errorf("journal %+v, want the second note", j)
	}
}
