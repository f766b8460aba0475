package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestCheckAlertSaysWhy: a failing check's alert gives the reason of its
// last failure ("check failed: connection refused"), not the count against
// the level, in each reader's language (the reason in the agent's words);
// the reason of an earlier failure, or of another target, is not taken
// for it.
func TestCheckAlertSaysWhy(t *testing.T) {
	f := func(failures int, runs []string, want, wantJa string) {
		t.Helper()
		w := newWorld(t, nil)
		web := w.host("acme", "web-01")
		w.item("acme", web, &monitoring.Item{
			Name: "port", Kind: monitoring.KindCheck, Severity: "critical",
			Check: &monitoring.Check{Type: "tcp", From: "server", Address: "db.example.com:5432", Failures: failures},
		})
		w.start()
		for _, why := range runs {
			at := w.advance(15 * time.Second)
			switch why {
			case "":
				w.push("acme", at, 1, "__name__", "unyo_check_up", "host", "web-01", "item", "port", "target", "db.example.com:5432")
			case "-": // failed, no reason written
				w.push("acme", at, 0, "__name__", "unyo_check_up", "host", "web-01", "item", "port", "target", "db.example.com:5432")
			default:
				w.push("acme", at, 0, "__name__", "unyo_check_up", "host", "web-01", "item", "port", "target", "db.example.com:5432")
				w.push("acme", at, 1, "__name__", "unyo_check_failure_info", "host", "web-01", "item", "port", "target", "db.example.com:5432", "reason", why)
			}
			// Another item's failure on the same host says nothing of this one.
			w.push("acme", at, 1, "__name__", "unyo_check_failure_info", "host", "web-01", "item", "other", "target", "db.example.com:5432", "reason", "status 503, want 2xx")
			w.eval()
		}
		got := w.alerts("acme")
		if len(got) != 1 || got[0].State != StateFiring || got[0].ValueText != want {
			t.Fatalf("%d failures, runs %q: %+v, want firing with %q", failures, runs, got, want)
		}
		if a := got[0]; a.ValueIn("en") != want || a.ValueIn("ja") != wantJa || !strings.HasSuffix(a.Summary.Ja, "("+wantJa+")") ||
			!strings.HasSuffix(a.Summary.En, "("+want+")") {
			t.Errorf("%d failures, runs %q: says %q / %q, summary %+v; want %q / %q", failures, runs, a.ValueIn("ja"), a.ValueIn("en"), a.Summary, wantJa, want)
		}
	}
	f(1, []string{"", "connection refused"}, "check failed: connection refused", "チェック失敗: connection refused")
	f(2, []string{"timeout", "", "timeout", "connection refused"}, "check failed 2 times in a row: connection refused", "2 回連続でチェック失敗: connection refused")
	// An agent that writes no reason (an older one) still says the check
	// failed, not "port 1 >= 1".
	f(1, []string{"", "-"}, "check failed", "チェック失敗")
	f(2, []string{"-", "-"}, "check failed 2 times in a row", "2 回連続でチェック失敗")
}

// TestDeviceWithoutAgentAlerts: a resource that is not a host (a switch)
// with a check of its own run from the server is evaluated like a host.
func TestDeviceWithoutAgentAlerts(t *testing.T) {
	w := newWorld(t, nil)
	sw := &model.Resource{TenantID: "acme", Name: "sw-01", Kind: "network"}
	if err := w.db.CreateResource(context.Background(), sw); err != nil {
		t.Fatal(err)
	}
	w.item("acme", sw, &monitoring.Item{
		Name: "ping", Kind: monitoring.KindCheck, Severity: "critical",
		Check: &monitoring.Check{Type: "ping", From: "server", Address: "10.0.0.2"},
	})
	w.start()
	at := w.advance(15 * time.Second)
	w.push("acme", at, 0, "__name__", "unyo_check_up", "host", "sw-01", "item", "ping", "target", "10.0.0.2")
	w.push("acme", at, 1, "__name__", "unyo_check_failure_info", "host", "sw-01", "item", "ping", "target", "10.0.0.2", "reason", "no reply (100% packet loss)")
	w.eval()
	got := w.alerts("acme")
	if len(got) != 1 || got[0].ResourceID != sw.ID || got[0].ValueText != "check failed: no reply (100% packet loss)" {
		t.Fatalf("alerts of the switch: %+v", got)
	}
}
