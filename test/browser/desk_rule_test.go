package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/prometheus/prompb"
)

// pushUntil remote-writes value for the host every second until cond holds,
// or fails after 90 s: the alert engine picks up a new item on its next
// reload (every 30 s), so the first samples may find no rule yet.
func (s *server) pushUntil(t *testing.T, token, host string, value float64, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		s.push(token, []prompb.TimeSeries{{
			Labels:  []prompb.Label{{Name: "__name__", Value: "node_cpu_busy_percent"}, {Name: "host", Value: host}},
			Samples: []prompb.Sample{{Value: value, Timestamp: time.Now().UnixMilli()}},
		}})
		if cond() {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the condition did not hold within 90s of pushing %v\n%s", value, s.stderr)
}

// TestAlertFromRuleWithRunbook: a monitoring item with a threshold and a
// runbook fires from remote-written samples; the alert's page shows the
// runbook, and once resolved the alert is in the history, which its filters
// narrow.
func TestAlertFromRuleWithRunbook(t *testing.T) {
	f := newFixture(t)
	s, base := f.srv, f.srv.url
	var rb struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/runbooks", "", map[string]string{"title": "CPU高負荷の対処",
		"body": "1. `top` で原因のプロセスを確かめる\n2. 必要なら再起動する"}, &rb)
	s.api(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": f.hostID, "name": "cpu", "kind": "metric", "title": map[string]string{"ja": "CPU 使用率", "en": "CPU usage"},
		"metric":     map[string]string{"series": "node_cpu_busy_percent"},
		"threshold":  map[string]any{"op": ">", "warning": 80, "critical": 90, "recovery": 75},
		"runbook_id": rb.ID,
	}, nil)
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-cpu", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	var id int64
	ruleAlert := func(state string) bool {
		var list []struct {
			ID     int64
			State  string
			ItemID int64 `json:"item_id"`
		}
		s.api(200, "GET", "/api/v1/tenants/acme/alerts", "", nil, &list)
		for _, a := range list {
			if a.ItemID != 0 && a.State == state {
				id = a.ID
				return true
			}
		}
		return false
	}
	s.pushUntil(t, tok.Token, "acme-web-01", 93.5, func() bool { return ruleAlert("firing") })

	ctx := chromium(t)
	if err := login(ctx, base, "admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/tenants/acme/alerts/%d", base, id)),
		chromedp.WaitVisible(chromedp.CSS("#runbooks summary")),
		chromedp.Click(chromedp.CSS("#runbooks summary")),
		chromedp.WaitVisible(chromedp.CSS("#runbooks .runbook code")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if rbText := text(ctx, "#runbooks"); !strings.Contains(rbText, "CPU高負荷の対処") || !strings.Contains(rbText, "原因のプロセス") {
		t.Errorf("runbooks = %q, want the item's runbook rendered", rbText)
	}
	if v := text(ctx, "#alert-facts"); !strings.Contains(v, "cpu 93.5 > 90") || !strings.Contains(v, "重大") {
		t.Errorf("facts = %q, want the value and critical", v)
	}

	s.pushUntil(t, tok.Token, "acme-web-01", 70, func() bool { return ruleAlert("resolved") })
	row := fmt.Sprintf(`#alerts tr[data-alert="%d"]`, id)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/alerts?view=history&host=web-01"), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, row); !strings.Contains(got, "解決済み") || !strings.Contains(got, "CPU 使用率") {
		t.Errorf("history row = %q", got)
	}
	for _, q := range []string{"severity=warning", "host=db-"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/alerts?view=history&"+q), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('tr[data-alert="%d"]').length`, id))); n != 0 {
			t.Errorf("history with %s lists the critical alert of acme-web-01", q)
		}
	}
}
