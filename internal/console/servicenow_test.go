package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// TestServiceNowTableMappingAndRecordLinks: the admin sees each kind's
// table and sends inquiries to the CSM case table; once the sync has
// created the records, the inquiry's and the change's pages show their
// ServiceNow numbers, linked to the instance; a record not synced shows none.
func TestServiceNowTableMappingAndRecordLinks(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	ctx := context.Background()
	sn := servicenowtest.New("unyo", "sn-pass-console", "", "")
	defer sn.Close()
	a := e.login("admin")
	p := "/tenants/acme/settings/servicenow"
	_, page, _ := a.get(p)
	for _, want := range []string{"同期するテーブル", "問い合わせ", "sc_request（要求）＋ sc_req_item（要求アイテム）", "change_request（変更要求）"} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	form := url.Values{"instance_url": {sn.URL}, "auth": {"basic"}, "username": {"unyo"}, "password": {"sn-pass-console"}, "enabled": {"on"},
		"table.inquiry": {"sn_customerservice_case"}, "table.problem": {"none"}}
	if code, _, _ := a.postForm(p, p, form); code != http.StatusSeeOther {
		t.Fatalf("save = %d", code)
	}
	_, page, _ = a.get(p)
	if !strings.Contains(page, `<option value="sn_customerservice_case" selected>`) || !strings.Contains(page, `<option value="none" selected>`) {
		t.Errorf("the saved mapping is not shown selected")
	}
	form.Set("table.problem", "incident")
	if code, page, _ := a.postForm(p, p, form); code != http.StatusBadRequest || !strings.Contains(page, "tables.problem") {
		t.Errorf("a problem mapped to incident = %d, want 400 naming tables.problem", code)
	}

	o := e.opts()
	desk := o.Requests.(*incident.Desk)
	loopback := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	sync := servicenow.NewSync(o.Store.DB(), o.ServiceNow, desk, servicenow.Options{Timeout: 5 * time.Second, Outbound: loopback}, slog.New(slog.DiscardHandler))
	desk.OnChange(sync.Enqueue)
	sync.SyncChanges(e.changes)
	inq, err := o.Requests.OpenRequest(ctx, "acme", "user:sato", incident.RequestInput{Kind: incident.KindInquiry,
		Fields: incident.Fields{ShortDescription: ptrTo("ライセンスの確認")}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	chg, err := e.changes.Create(ctx, "acme", "user:sato", change.Fields{Type: change.TypeNormal, Title: "DBパッチ", Risk: change.RiskLow,
		Selector: map[string]string{"role": "db"}, Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	unsynced, err := o.Requests.OpenRequest(ctx, "beta", "user:x", incident.RequestInput{Kind: incident.KindInquiry,
		Fields: incident.Fields{ShortDescription: ptrTo("beta")}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sync.Deliver(ctx); err != nil || n != 2 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	cs, cr := sn.RecordsIn("sn_customerservice_case"), sn.RecordsIn("change_request")
	if len(cs) != 1 || len(cr) != 1 {
		t.Fatalf("cases %v, changes %v", cs, cr)
	}
	for path, rec := range map[string]map[string]string{"/tenants/acme/requests/" + itoa(inq.ID): cs[0], "/tenants/acme/changes/" + itoa(chg.ID): cr[0]} {
		code, page, _ := a.get(path)
		link := sn.URL + "/nav_to.do?uri=" + url.QueryEscape(rec["sys_class_name"]+".do?sys_id="+rec["sys_id"])
		if code != 200 || !strings.Contains(page, "ServiceNow レコード") || !strings.Contains(page, rec["number"]) ||
			!strings.Contains(page, strings.ReplaceAll(link, "&", "&amp;")) {
			t.Errorf("%s = %d, want the ServiceNow number %s linked to %s", path, code, rec["number"], link)
		}
	}
	if _, page, _ := a.get("/tenants/beta/requests/" + itoa(unsynced.ID)); strings.Contains(page, `id="servicenow-link"`) {
		t.Errorf("a record not synced shows a ServiceNow link")
	}
}

func ptrTo[T any](v T) *T { return &v }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
