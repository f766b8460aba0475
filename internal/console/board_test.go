package console

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/report"
)

func TestBoardSaysWhatIsNotConnected(t *testing.T) {
	e := newEnv(t)
	_, body, _ := e.login("admin").get("/board")
	if !strings.Contains(body, `id="not-wired"`) || strings.Count(body, "未接続") != 4 {
		t.Errorf("board without sources must say alerts and incidents are not connected for each tenant:\n%s", body)
	}
	if strings.Contains(body, "重大 0") {
		t.Error("board shows zero alerts as if known")
	}
	if !strings.Contains(body, "host 1") {
		t.Error("board does not show the resource count by kind")
	}
}

// alertCounts and incidents stand in for the alert and incident packages,
// which are not written yet; they return what the board must show.
type alertCounts map[string]map[string]int

func (a alertCounts) FiringBySeverity(_ context.Context, tenant string) (map[string]int, error) {
	if m, ok := a[tenant]; ok {
		return m, nil
	}
	return nil, errors.New("alert store unavailable")
}

type incidents map[string][]OpenIncident

func (i incidents) OpenIncidents(_ context.Context, tenant string) ([]OpenIncident, error) {
	return i[tenant], nil
}

func TestBoardShowsAlertsAndIncidentsWhenWired(t *testing.T) {
	due := time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)
	e := newEnv(t, func(o *Options) {
		o.Alerts = alertCounts{"acme": {"critical": 2, "warning": 1}}
		o.Incidents = incidents{"acme": {{ID: 7, Title: "DB応答遅延", Severity: "High", Priority: 2,
			Clocks: []SLAClock{{Name: "acknowledge", Due: due}, {Name: "resolve", Breached: true}}}}}
	})
	_, body, _ := e.login("admin").get("/board")
	// The priority in the reader's language: 高, not the stored "High".
	if strings.Contains(body, ">High<") {
		t.Error("the board shows the English priority High on a Japanese page")
	}
	for _, want := range []string{"重大 2", "警告 1", "情報 0", "DB応答遅延", ">高</span>", "受付: 期限 2026-04-01 12:00 JST", "解決: 超過"} {
		if !strings.Contains(body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	if !strings.Contains(body, `class="tile crit" data-tenant="acme"`) {
		t.Error("a tenant with critical alerts is not marked critical")
	}
	// beta's alert source fails: its row says so, the board still renders.
	if !strings.Contains(body, "取得できません") {
		t.Error("a failing alert source is not shown as unavailable")
	}
	if strings.Contains(body, `id="not-wired"`) {
		t.Error("board says not connected with both sources wired")
	}
}

// availability stands in for the report's computation, which has its own
// exact tests: the board must show what it is given, per service.
type availability map[string][]report.Availability

func (a availability) AvailabilityOf(_ context.Context, k report.Known, from, to time.Time) ([]report.Availability, error) {
	tenant := k.Tenant.ID
	if from.Day() != 1 || from.Hour() != 0 || !to.After(from) {
		return nil, errors.New("not this month so far")
	}
	if list, ok := a[tenant]; ok {
		return list, nil
	}
	return nil, errors.New("downtime source unavailable")
}

func TestBoardShowsAvailabilityThisMonth(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Availability = availability{"acme": {
			{Service: "shop", Percent: 99.952, Target: 99.9, Met: true},
			{Service: "api", Percent: 99.5, Target: 99.9, Met: false},
			{Service: "batch", Percent: 98.25, Met: true}, // no availability target
		}}
	})
	_, body, _ := e.login("admin").get("/board")
	for _, want := range []string{"今月の稼働率", `class="met">shop 99.952%`, `class="missed">api 99.500%`, "目標 99.9%", `class="met">batch 98.250% </li>`} {
		if !strings.Contains(body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	if strings.Contains(body, "目標 0%") {
		t.Error("a service without an availability target is shown with a target of 0%")
	}
}
