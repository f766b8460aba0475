package console

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestIncidentPageShowsEveryClock: the service level sets acknowledge and
// resolve targets, no identify target; the timeline records all three
// clocks, so the page shows all three: acknowledge met (acknowledged at
// once), identify without a target, resolve running with its time left
// and due time — in Japanese, then in English.
func TestIncidentPageShowsEveryClock(t *testing.T) {
	ctx := context.Background()
	var opts *Options
	e := newEnv(t, withOps, func(o *Options) { opts = o })
	svcs, _ := e.store.Services(ctx, "acme")
	svc := svcs[0]
	svc.Level = model.ServiceLevel{AcknowledgeTarget: model.Duration(30 * 60e9), ResolveTarget: model.Duration(8 * 3600e9)}
	if err := e.store.UpdateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	desk := opts.IncidentDesk.(*incident.Desk)
	title := "受注画面が遅い"
	inc, err := desk.Open(ctx, "acme", "user:sato", incident.Fields{ShortDescription: &title, ServiceID: &svc.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Acknowledge(ctx, "acme", inc.ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	op := e.login("operator")
	path := fmt.Sprintf("/tenants/acme/incidents/%d", inc.ID)
	card := func(page, clock string) string {
		m := regexp.MustCompile(`(?s)<li class="clock[^"]*" data-clock="` + clock + `" data-state="(\w+)">(.*?)</li>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no card for the %s clock", clock)
		}
		return m[1] + ": " + strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " ")), " ")
	}
	_, page, _ := op.get(path)
	for clock, want := range map[string]*regexp.Regexp{
		"acknowledge": regexp.MustCompile(`^met: 受付 \(目標 0h30m\) 達成 \(0h00m で\)$`),
		"identify":    regexp.MustCompile(`^none: 原因特定 目標なし`),
		"resolve":     regexp.MustCompile(`^running: 解決 \(目標 8h00m\) 計測中 · 残り (7h59m|8h00m) \(期限 \d{4}-\d\d-\d\d \d\d:\d\d JST\)$`),
	} {
		if got := card(page, clock); !want.MatchString(got) {
			t.Errorf("the %s card = %q, want %v", clock, got, want)
		}
	}
	op.postForm(path, "/preferences", url.Values{"language": {"en"}, "back": {path}})
	_, page, _ = op.get(path)
	for clock, want := range map[string]string{"acknowledge": "met (in 0h00m)", "identify": "no target (the service level sets none", "resolve": " left (due "} {
		if got := card(page, clock); !strings.Contains(got, want) {
			t.Errorf("the English %s card = %q, want %q in it", clock, got, want)
		}
	}
}
