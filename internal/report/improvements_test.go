package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/improvement"
)

// TestProposalAppearsInTheNextReport: an operator files a proposal in the
// register; the next draft lists it among the open proposals, the
// operator picks it as a topic and the topic carries its owner, due day
// and status into the HTML; once rejected, the draft after leaves it out.
// Another tenant's item cannot be picked.
func TestProposalAppearsInTheNextReport(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 1, toNov.Add(-2*time.Hour), time.Minute)
	register := improvement.NewStore(f.db.DB())
	s := newAPIOn(t, f)
	ctx := context.Background()
	it := &improvement.Item{Tenant: "acme", Title: "INC再発防止: ディスク監視閾値の見直し", Category: "configuration",
		Evidence: []improvement.Evidence{{Kind: improvement.EvidenceReportFinding, Ref: "1", Text: "/var 残り20日"}},
		Proposal: "閾値を85%に下げ、logrotateを毎日にする", Effect: "障害の未然防止", Owner: "鈴木", Due: "2027-01-15", CreatedBy: "user:suzuki"}
	if err := register.Create(ctx, it); err == nil || !strings.Contains(err.Error(), "evidence[0].ref") {
		t.Fatalf("evidence of a report acme does not have: %v", err)
	}
	base := "/api/v1/tenants/acme/reports"
	first := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	it.Evidence[0].Ref = itoa(first.ID)
	if err := register.Create(ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := register.Move(ctx, "acme", it.ID, improvement.Accepted, "user:suzuki", "定例会で承認"); err != nil {
		t.Fatal(err)
	}
	if titles(first.Content.Improvements) != "ログ整理|パッチ自動化" {
		t.Fatalf("the first draft lists %q", titles(first.Content.Improvements))
	}

	next := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	if titles(next.Content.Improvements) != "ログ整理|INC再発防止: ディスク監視閾値の見直し|パッチ自動化" { // nearest due first
		t.Fatalf("the next draft lists %q", titles(next.Content.Improvements))
	}
	id := "/" + itoa(next.ID)
	edit := map[string]any{"topics": []map[string]any{{"improvement": it.ID}, {"title": "年末年始の体制", "owner": "田中", "due": "2026-12-20", "status": "in_progress"}}}
	ed := decodeAs[Stored](t, s.want(t, 200, "PATCH", base+id, acmeRW, edit))
	tp := ed.Content.Topics
	if len(tp) != 2 || tp[0].Kind != "improvement" || tp[0].Improvement != it.ID || tp[0].Title != it.Title || tp[0].Body != it.Proposal ||
		tp[0].Owner != "鈴木" || tp[0].Due != "2027-01-15" || tp[0].Status != "accepted" || tp[1].Owner != "田中" || tp[1].Status != "in_progress" {
		t.Fatalf("topics: %+v", tp)
	}
	html := string(s.want(t, 200, "GET", base+id+"/report.html", acmeRW, nil))
	for _, want := range []string{"改善提案", "INC再発防止: ディスク監視閾値の見直し", "担当: 鈴木 / 期限: 2027-01-15 / 状況: 承認済み", "担当: 田中 / 期限: 2026-12-20 / 状況: 対応中"} {
		if !strings.Contains(html, want) {
			t.Errorf("the draft's HTML lacks %q", want)
		}
	}
	for _, bad := range []struct {
		topic map[string]any
		field string
	}{
		{map[string]any{"improvement": 999}, "topics[0].improvement"},
		{map[string]any{"title": "x", "status": "someday"}, "topics[0].status"},
		{map[string]any{"title": "x", "due": "next week"}, "topics[0].due"},
	} {
		code, out := s.do(t, "PATCH", base+id, acmeRW, map[string]any{"topics": []map[string]any{bad.topic}})
		if code != 400 || !strings.Contains(string(out), `"field":"`+bad.field+`"`) {
			t.Errorf("%v = %d %s, want 400 naming %s", bad.topic, code, out, bad.field)
		}
	}
	beta := &improvement.Item{Tenant: "beta", Title: "beta's", Category: "cost", CreatedBy: "user:b"}
	if err := register.Create(ctx, beta); err != nil {
		t.Fatal(err)
	}
	if code, out := s.do(t, "PATCH", base+id, acmeRW, map[string]any{"topics": []map[string]any{{"improvement": beta.ID}}}); code != 400 || strings.Contains(string(out), "beta's") {
		t.Errorf("picking beta's item = %d %s, want 400", code, out)
	}

	if _, err := register.Move(ctx, "acme", it.ID, improvement.Rejected, "user:suzuki", "費用対効果なし"); err != nil {
		t.Fatal(err)
	}
	last := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	if titles(last.Content.Improvements) != "ログ整理|パッチ自動化" {
		t.Fatalf("after the rejection the draft lists %q", titles(last.Content.Improvements))
	}
}

func titles(items []ImprovementRecord) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return strings.Join(out, "|")
}
