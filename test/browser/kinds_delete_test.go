package browser

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestItemKindsClocksAndDeletion drives what issue 18 left to curl: an
// admin adds an SNMP item in the console (its v3 fields appear only when
// v3 is chosen, the community is never shown back, a short v3 password is
// refused beside its field) and a Zabbix item; reads an incident's three
// SLA clocks (one without a target) in Japanese and English; sees the
// first setup's steps numbered once; deletes a service, then the
// customer, each after a page that counts what goes.
func TestItemKindsClocksAndDeletion(t *testing.T) {
	s := startServer(t, freePort(t))
	base := s.url
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "gamma", "name": "ガンマ商事", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	var svc, host struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/gamma/services", "", map[string]any{"name": "受発注",
		"service_level": map[string]any{"acknowledge_target": "30m", "resolve_target": "8h"}}, &svc)
	s.api(201, "POST", "/api/v1/tenants/gamma/resources", "", map[string]any{"name": "gamma-sw-01", "kind": "network", "service_id": svc.ID}, &host)
	var inc struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/gamma/incidents", "", map[string]any{"service_id": svc.ID, "short_description": "スイッチ断",
		"impact": 2, "urgency": 2}, &inc)
	// Each part has its own browser: one browser's time is bounded (chromium).
	var ctx context.Context
	fresh := func() {
		t.Helper()
		ctx = chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
	}
	fresh()
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	change := func(id string) { // what choosing an option fires
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).dispatchEvent(new Event("change"))`, id))); err != nil {
			t.Fatal(err)
		}
	}
	visible := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.offsetParent!==null})()`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// An SNMP v2c item: only its own fields show; the community is asked.
	do("the item form", chromedp.Navigate(fmt.Sprintf("%s/tenants/gamma/monitoring/items/new?resource_id=%d", base, host.ID)),
		chromedp.WaitVisible(chromedp.CSS("#item-form")), chromedp.SetValue(chromedp.CSS("#item-kind"), "snmp"))
	change("item-kind")
	do("the snmp fields", chromedp.WaitVisible(chromedp.CSS("#item-snmp-address")))
	checkLabels(t, ctx, "item form")
	if visible("#item-metric-series") || visible("#item-snmp-user") || !visible("#item-snmp-community") {
		t.Error("with kind snmp v2c: want the community and neither metric nor v3 fields")
	}
	do("an snmp item", chromedp.SendKeys(chromedp.CSS("#item-name"), "core_sw"), chromedp.SendKeys(chromedp.CSS("#item-snmp-address"), "127.0.0.1:1161"),
		chromedp.SendKeys(chromedp.CSS("#item-snmp-community"), "n0t-public"), chromedp.Click(chromedp.CSS("#item-snmp-interfaces")),
		chromedp.Click(chromedp.CSS("#item-save")), chromedp.WaitVisible(chromedp.CSS("#resource-admin")),
		chromedp.Navigate(fmt.Sprintf("%s/tenants/gamma/resources/%d/edit", base, host.ID)), chromedp.WaitVisible(chromedp.CSS(`#own-items a`)))
	if got := text(ctx, "#own-items"); !strings.Contains(got, "core_sw") {
		t.Fatalf("the host's own items = %q, want core_sw", got)
	}
	do("its edit form", chromedp.Click(chromedp.CSS(`#own-items a`)), chromedp.WaitVisible(chromedp.CSS("#item-snmp-address")))
	community, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#item-snmp-community")))
	if err != nil {
		t.Fatal(err)
	}
	if state := text(ctx, "#item-snmp-community-state"); community != "" || !strings.Contains(state, "設定済み") {
		t.Errorf("the stored community shows %q, its state %q; want an empty field said to be set", community, state)
	}
	// v3: the user fields appear; a short password is refused beside it.
	do("switch to v3", chromedp.SetValue(chromedp.CSS("#item-snmp-version"), "3"))
	change("item-snmp-version")
	do("the v3 fields", chromedp.WaitVisible(chromedp.CSS("#item-snmp-user")))
	if visible("#item-snmp-community") {
		t.Error("v3 still shows the community")
	}
	do("a short v3 password", chromedp.SendKeys(chromedp.CSS("#item-snmp-user"), "monitor"), chromedp.SetValue(chromedp.CSS("#item-snmp-auth_protocol"), "SHA256"),
		chromedp.SendKeys(chromedp.CSS("#item-snmp-auth_password"), "short"), chromedp.Click(chromedp.CSS("#item-save")),
		chromedp.WaitVisible(chromedp.CSS(`.field-error[id="err-snmp.auth_password"]`)))
	if v := visible("#item-snmp-user"); !v {
		t.Error("the refused v3 form no longer shows its v3 fields")
	}

	// A Zabbix item by its key.
	do("a zabbix item", chromedp.Navigate(fmt.Sprintf("%s/tenants/gamma/monitoring/items/new?resource_id=%d", base, host.ID)),
		chromedp.WaitVisible(chromedp.CSS("#item-form")), chromedp.SetValue(chromedp.CSS("#item-kind"), "zabbix"))
	change("item-kind")
	do("the zabbix fields",
		chromedp.SendKeys(chromedp.CSS("#item-name"), "root_fs"), chromedp.SendKeys(chromedp.CSS("#item-zabbix-address"), "127.0.0.1"),
		chromedp.SendKeys(chromedp.CSS("#item-zabbix-key"), "vfs.fs.size[/,pused]"), chromedp.Click(chromedp.CSS("#item-save")),
		chromedp.WaitVisible(chromedp.CSS("#resource-admin")),
		chromedp.Navigate(fmt.Sprintf("%s/tenants/gamma/resources/%d/edit", base, host.ID)), chromedp.WaitVisible(chromedp.CSS(`#own-items`)))
	if got := text(ctx, "#own-items"); !strings.Contains(got, "root_fs") {
		t.Errorf("the host's own items = %q, want root_fs", got)
	}

	// english saves English as the admin's language and waits for the page
	// the form's answer loads: the page is marked first, since it may be in
	// English already (a navigation started before the answer is in would
	// be aborted by it).
	english := func() {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.before = "1"`)); err != nil {
			t.Fatal(err)
		}
		do("English", chromedp.SetValue(chromedp.CSS("#pref-language"), "en"), chromedp.Click(chromedp.CSS("#pref-save")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]:not([data-before])`)))
	}

	// The incident's three clocks: acknowledge and resolve run, identify has no target.
	fresh()
	incident := fmt.Sprintf("%s/tenants/gamma/incidents/%d", base, inc.ID)
	for _, lang := range []struct{ lang, none, left string }{{"ja", "目標なし", "残り"}, {"en", "no target", "left"}} {
		if lang.lang == "en" {
			english()
		}
		do("the incident", chromedp.Navigate(incident), chromedp.WaitVisible(chromedp.CSS("#sla-clocks")))
		if n := count(t, ctx, "#sla-clocks li"); n != 3 {
			t.Errorf("%s: %d clock cards, want 3 as the timeline has", lang.lang, n)
		}
		if got := text(ctx, `#sla-clocks li[data-clock="identify"]`); !strings.Contains(got, lang.none) {
			t.Errorf("%s: the identify card = %q, want %q", lang.lang, got, lang.none)
		}
		for _, c := range []string{"acknowledge", "resolve"} {
			if got := text(ctx, fmt.Sprintf(`#sla-clocks li[data-clock=%q]`, c)); !strings.Contains(got, lang.left) {
				t.Errorf("%s: the %s card = %q, want the time %s", lang.lang, c, got, lang.left)
			}
		}
		// The first setup numbers each step once.
		do("the setup", chromedp.Navigate(base+"/setup?tenant=gamma"), chromedp.WaitVisible(chromedp.CSS("#setup-steps")))
		steps, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#setup-steps > li")].map(function(li, i) {
			var m = getComputedStyle(li).listStyleType === "none" ? "" : (i + 1) + ". ";
			return m + li.querySelector("h2").innerText; })`))
		if err != nil || len(steps) != 5 {
			t.Fatalf("the setup's steps = %v, %v", steps, err)
		}
		for i, st := range steps {
			if !regexp.MustCompile(fmt.Sprintf(`^%d\. \D`, i+1)).MatchString(st) {
				t.Errorf("%s: step %d reads %q, want it numbered once", lang.lang, i+1, st)
			}
		}
	}

	// The service, then the customer, each after the page that counts.
	fresh()
	english() // the admin's choice is English already, since the loop above: the save must still be waited for
	do("the service's deletion", chromedp.Navigate(fmt.Sprintf("%s/tenants/gamma/services/%d/edit", base, svc.ID)),
		chromedp.Click(chromedp.CSS("#service-delete-link")), chromedp.WaitVisible(chromedp.CSS("#service-delete-confirm")))
	if got := text(ctx, "#delete-kept"); !strings.Contains(got, "1 resource stay") || !strings.Contains(got, "1 incident stay") {
		t.Errorf("the service's confirmation keeps %q, want 1 resource and 1 incident without a service", got)
	}
	do("delete the service", chromedp.Click(chromedp.CSS("#service-delete")), chromedp.WaitNotPresent(chromedp.CSS("#service-delete-confirm")))
	s.api(404, "GET", fmt.Sprintf("/api/v1/tenants/gamma/services/%d", svc.ID), "", nil, nil)
	do("the customer's deletion", chromedp.Navigate(base+"/tenants/gamma/edit"), chromedp.Click(chromedp.CSS("#tenant-delete-link")),
		chromedp.WaitVisible(chromedp.CSS("#tenant-delete-confirm")))
	gone := text(ctx, "#delete-gone")
	for _, want := range []string{"1 resource", "2 monitoring items", "1 incident"} {
		if !strings.Contains(gone, want) {
			t.Errorf("the customer's confirmation = %q, want %q in it", gone, want)
		}
	}
	do("delete the customer", chromedp.Click(chromedp.CSS("#tenant-delete")), chromedp.WaitNotPresent(chromedp.CSS("#tenant-delete-confirm")))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/board") {
		t.Errorf("after the deletion the browser is at %q (%v), want the board", loc, err)
	}
	s.api(404, "GET", "/api/v1/tenants/gamma", "", nil, nil)
}
