package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// withServiceDesk wires the real incident desk, work report, runbook and
// ServiceNow stores into the console under test.
func withServiceDesk(o *Options) {
	db := o.Store.DB()
	o.Requests = incident.NewDesk(db, o.Store, nil)
	o.WorkReports = workreport.NewStore(db)
	o.Books = runbook.NewStore(db)
	box, _ := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	o.ServiceNow = servicenow.NewConfigs(db, box)
}

// auditHas reports whether tenant's audit log holds an entry of action on objType.
func (e *env) auditHas(tenant, action, objType string) bool {
	e.t.Helper()
	log, err := e.store.AuditLog(context.Background(), tenant, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range log {
		if a.Action == action && a.ObjectType == objType {
			return true
		}
	}
	return false
}

// TestServiceDeskCatalogComputed: every kind, approval, field type and
// result the pages show through a computed key has its words.
func TestServiceDeskCatalogComputed(t *testing.T) {
	var keys []string
	for _, k := range requestKinds {
		keys = append(keys, "req.kind."+string(k))
	}
	for _, a := range []incident.Approval{incident.ApprovalPending, incident.ApprovalApproved, incident.ApprovalRejected} {
		keys = append(keys, "apr."+string(a))
	}
	for _, f := range []incident.FieldType{incident.FieldString, incident.FieldText, incident.FieldNumber, incident.FieldBoolean, incident.FieldDate, incident.FieldChoice} {
		keys = append(keys, "cat.type."+string(f))
	}
	for _, r := range workResults {
		keys = append(keys, "wr.result."+string(r))
	}
	for _, a := range []servicenow.AuthKind{servicenow.AuthBasic, servicenow.AuthOAuth} {
		keys = append(keys, "sn.auth."+string(a))
	}
	for _, k := range servicenow.Kinds {
		keys = append(keys, "sn.kind."+string(k))
		for _, table := range servicenow.TableChoices(k) {
			keys = append(keys, "sn.table."+table)
		}
	}
	for _, k := range keys {
		if _, ok := catalog[k]; !ok {
			t.Errorf("catalog lacks %q", k)
		}
	}
}

// TestRequestPages: an operator adds a catalog item from the form, opens
// an inquiry and a request of it, approves the request and writes a work
// note and a comment; acme's viewer sees both records and the comment but
// not the note, and no forms; refused forms name the field and store nothing.
func TestRequestPages(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	ctx := context.Background()
	op := e.login("operator")
	code, _, loc := op.postForm("/tenants/acme/catalog", "/tenants/acme/catalog", url.Values{"name": {"アカウント追加"},
		"description": {"M365 アカウントの追加"}, "approval_required": {"on"},
		"field_name0": {"user"}, "field_label0": {"利用者名"}, "field_type0": {"string"}, "field_required0": {"on"},
		"field_name1": {"plan"}, "field_label1": {"プラン"}, "field_type1": {"choice"}, "field_choices1": {"E3, E5"}})
	if code != http.StatusSeeOther || loc != "/tenants/acme/catalog" {
		t.Fatalf("catalog create = %d to %q", code, loc)
	}
	items, _ := e.opts().Requests.CatalogItems(ctx, "acme")
	if len(items) != 1 || len(items[0].Fields) != 2 || items[0].Fields[1].Choices[1] != "E5" || !e.auditHas("acme", "create", "catalog_item") {
		t.Fatalf("catalog item stored as %+v, audited %v", items, e.auditHas("acme", "create", "catalog_item"))
	}
	code, page, _ := op.postForm("/tenants/acme/catalog", "/tenants/acme/catalog", url.Values{"name": {"bad"}, "field_name0": {"Bad Name"}, "field_type0": {"string"}})
	if code != http.StatusBadRequest || !strings.Contains(page, "fields") {
		t.Errorf("catalog with a bad field key = %d, want 400 naming the fields", code)
	}

	code, _, loc = op.postForm("/tenants/acme/requests", "/tenants/acme/requests", url.Values{"kind": {"inquiry"},
		"short_description": {"ライセンスについて"}, "description": {"E5 の違いを教えてください"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenants/acme/requests/") {
		t.Fatalf("open inquiry = %d to %q", code, loc)
	}
	inquiry := loc
	code, page, _ = op.postForm("/tenants/acme/requests", "/tenants/acme/requests", url.Values{"kind": {"request"},
		"catalog_item_id": {fmt.Sprint(items[0].ID)}, "v_plan": {"E5"}})
	if code != http.StatusBadRequest || !strings.Contains(page, "values.user") {
		t.Errorf("request without its required field = %d, want 400 naming values.user", code)
	}
	code, _, loc = op.postForm("/tenants/acme/requests", "/tenants/acme/requests", url.Values{"kind": {"request"},
		"catalog_item_id": {fmt.Sprint(items[0].ID)}, "v_user": {"yamada"}, "v_plan": {"E5"}})
	if code != http.StatusSeeOther {
		t.Fatalf("open request = %d", code)
	}
	request := loc
	_, page, _ = op.get(request)
	for _, want := range []string{"アカウント追加", "利用者名", "yamada", "承認待ち", `id="decision-form"`, `id="note-form"`} {
		if !strings.Contains(page, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	if code, _, _ := op.postForm(request, request+"/decision", url.Values{"decision": {"approve"}, "note": {"OK"}}); code != http.StatusSeeOther {
		t.Errorf("approve = %d", code)
	}
	if code, page, _ := op.postForm(request, request+"/decision", url.Values{"decision": {"reject"}}); code != http.StatusBadRequest ||
		!strings.Contains(page, "approval") {
		t.Errorf("second decision = %d, want 400 naming approval", code)
	}
	for vis, text := range map[string]string{"work_note": "社内メモ: 手順書 3 を使う", "comment": "本日中に対応します"} {
		if code, _, _ := op.postForm(inquiry, inquiry+"/notes", url.Values{"visibility": {vis}, "text": {text}}); code != http.StatusSeeOther {
			t.Errorf("add %s = %d", vis, code)
		}
	}

	v := e.login("acme-viewer")
	code, page, _ = v.get("/tenants/acme/requests")
	if code != 200 || !strings.Contains(page, "ライセンスについて") || !strings.Contains(page, "アカウント追加") || strings.Contains(page, `id="inquiry-form"`) {
		t.Errorf("viewer's request list = %d, want both records and no form", code)
	}
	_, page, _ = v.get(inquiry)
	if !strings.Contains(page, "本日中に対応します") || strings.Contains(page, "社内メモ") || strings.Contains(page, `id="note-form"`) {
		t.Error("the viewer must see the comment, not the work note nor the form")
	}
	_, page, _ = op.get(inquiry)
	if !strings.Contains(page, "社内メモ") {
		t.Error("the operator must see the work note")
	}
	_, page, _ = v.get(request)
	if !strings.Contains(page, "承認済み") {
		t.Error("the viewer must see the request approved")
	}
	if code, _, _ := v.postForm(inquiry, inquiry+"/notes", url.Values{"visibility": {"comment"}, "text": {"x"}}); code != http.StatusForbidden {
		t.Errorf("viewer's note = %d, want 403", code)
	}
	// Resolving needs a close code; with one, the customer sees it resolved.
	if code, page, _ := op.postForm(inquiry, inquiry+"/state", url.Values{"state": {"resolved"}}); code != http.StatusBadRequest ||
		!strings.Contains(page, "close_code") {
		t.Errorf("resolve without a close code = %d, want 400 naming close_code", code)
	}
	if code, _, _ := op.postForm(inquiry, inquiry+"/state", url.Values{"state": {"resolved"}, "close_code": {"Solved (Permanently)"},
		"close_notes": {"回答済み"}}); code != http.StatusSeeOther {
		t.Errorf("resolve = %d", code)
	}
	if _, page, _ := v.get(inquiry); !strings.Contains(page, `id="request-state">解決済み<`) {
		t.Error("the viewer must see the inquiry resolved")
	}
	list, _ := e.opts().Requests.Incidents(ctx, "acme", incident.Filter{Kinds: requestKinds})
	if len(list) != 2 {
		t.Errorf("acme has %d requests, want 2 (the refused ones stored nothing)", len(list))
	}
}

// TestWorkReportPages: an operator records work in Tokyo time, sees the
// month's total, edits the report; bad times are refused naming the field.
func TestWorkReportPages(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	op := e.login("operator")
	form := url.Values{"subject": {"証明書更新"}, "worker": {"佐藤"}, "result": {"done"}, "started_at": {"2026-11-30T23:30"},
		"ended_at": {"2026-12-01T01:00"}, "detail": {"shop の証明書"}}
	code, _, loc := op.postForm("/tenants/acme/work-reports", "/tenants/acme/work-reports", form)
	if code != http.StatusSeeOther || loc != "/tenants/acme/work-reports?month=2026-11" {
		t.Fatalf("record work = %d to %q", code, loc)
	}
	_, page, _ := op.get(loc)
	if !strings.Contains(page, "証明書更新") || !strings.Contains(page, "2026-11 の合計 1 件・1h30m") || !strings.Contains(page, "2026-11-30 23:30 JST") {
		t.Errorf("work report list lacks the report, its total or its Tokyo time:\n%s", page)
	}
	list, _ := e.opts().WorkReports.List(context.Background(), "acme", workreport.Filter{})
	if len(list) != 1 || list[0].StartedAt.UTC().Format("15:04") != "14:30" || !e.auditHas("acme", "create", "work_report") {
		t.Fatalf("stored %+v", list)
	}
	path := fmt.Sprintf("/tenants/acme/work-reports/%d", list[0].ID)
	form.Set("result", "partial")
	if code, _, _ := op.postForm(path, path, form); code != http.StatusSeeOther {
		t.Errorf("edit = %d", code)
	}
	form.Set("ended_at", "2026-11-30T22:00")
	if code, page, _ := op.postForm(path, path, form); code != http.StatusBadRequest || !strings.Contains(page, "ended_at") {
		t.Errorf("end before start = %d, want 400 naming ended_at", code)
	}
	got, _ := e.opts().WorkReports.Get(context.Background(), "acme", list[0].ID)
	if got.Result != workreport.ResultPartial || got.EndedAt != list[0].EndedAt {
		t.Errorf("after edits the report is %+v", got)
	}
	v := e.login("acme-viewer")
	if code, page, _ := v.get(path); code != 200 || strings.Contains(page, `id="workreport-form"`) {
		t.Errorf("viewer's work report = %d, want 200 without the form", code)
	}
}

// TestRunbookAndChecklistPages: a runbook's Markdown is shown rendered and
// without its script; a checklist item is done once a day; the customer's
// viewer has neither page.
func TestRunbookAndChecklistPages(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	op := e.login("operator")
	code, _, loc := op.postForm("/tenants/acme/runbooks", "/tenants/acme/runbooks", url.Values{"title": {"DB 再起動"},
		"body": {"# 手順\n\n1. **停止**\n<script>alert(1)</script>\n[x](javascript:alert(2))"}})
	if code != http.StatusSeeOther {
		t.Fatalf("runbook create = %d", code)
	}
	_, page, _ := op.get(loc)
	if !strings.Contains(page, "<h1 id=\"") && !strings.Contains(page, "<h1>手順</h1>") {
		t.Errorf("runbook heading not rendered")
	}
	if !strings.Contains(page, "<strong>停止</strong>") || strings.Contains(page, "<script>alert") || strings.Contains(page, `href="javascript:`) {
		t.Errorf("runbook not rendered safely:\n%s", page)
	}
	if code, _, _ := op.postForm(loc, loc, url.Values{"title": {""}, "body": {"x"}}); code != http.StatusBadRequest {
		t.Errorf("runbook without title = %d, want 400", code)
	}
	code, _, loc = op.postForm("/tenants/acme/checklists", "/tenants/acme/checklists", url.Values{"name": {"朝の点検"}, "items": {"バックアップ確認\n\nディスク確認\n"}})
	if code != http.StatusSeeOther {
		t.Fatalf("checklist create = %d", code)
	}
	day := loc + "?date=2026-12-07"
	done := loc + "/days/2026-12-07/items/1"
	if code, _, _ := op.postForm(day, done, url.Values{"note": {"残り 40%"}}); code != http.StatusSeeOther {
		t.Errorf("complete = %d", code)
	}
	_, page, _ = op.get(day)
	if !strings.Contains(page, "1 / 2 完了") || !strings.Contains(page, "残り 40%") || !strings.Contains(page, "operator が") {
		t.Errorf("checklist day lacks the mark:\n%s", page)
	}
	if code, page, _ := op.postForm(day, done, url.Values{}); code != http.StatusBadRequest || !strings.Contains(page, "item") {
		t.Errorf("second completion = %d, want 400 naming item", code)
	}
	// The checklist is edited from its page; an empty list is refused and changes nothing.
	if code, page, _ := op.postForm(loc, loc, url.Values{"name": {"朝の点検"}, "items": {"\n"}}); code != http.StatusBadRequest || !strings.Contains(page, "items") {
		t.Errorf("checklist without items = %d, want 400 naming items", code)
	}
	if code, _, _ := op.postForm(loc, loc, url.Values{"name": {"朝の点検"}, "items": {"バックアップ確認\nディスク確認\n証明書期限確認"}}); code != http.StatusSeeOther {
		t.Errorf("checklist edit = %d", code)
	}
	if _, page, _ = op.get(day); !strings.Contains(page, "1 / 3 完了") || !strings.Contains(page, "証明書期限確認") || !e.auditHas("acme", "update", "checklist") {
		t.Errorf("after the edit the day lacks the third item or the mark")
	}
	v := e.login("acme-viewer")
	for _, p := range []string{"/tenants/acme/runbooks", loc} {
		if code, _, _ := v.get(p); code != http.StatusForbidden {
			t.Errorf("viewer GET %s = %d, want 403", p, code)
		}
	}
}

// TestServiceNowSettingsPage: the admin sets the connection; the page says
// the secret is set and never shows it; an empty secret keeps it; the
// operator and the viewer may not open the page.
func TestServiceNowSettingsPage(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	a := e.login("admin")
	const pw = "s3cret-PASSWORD-never-shown"
	form := url.Values{"instance_url": {"https://acme.service-now.com"}, "auth": {"basic"}, "username": {"unyo"}, "password": {pw}, "enabled": {"on"}}
	p := "/tenants/acme/settings/servicenow"
	code, page, _ := a.get(p)
	if code != 200 || !strings.Contains(page, "ServiceNow は設定されていません。") {
		t.Fatalf("empty settings page = %d", code)
	}
	if code, _, _ := a.postForm(p, p, form); code != http.StatusSeeOther {
		t.Fatalf("save = %d", code)
	}
	_, page, _ = a.get(p)
	if !strings.Contains(page, "設定済み") || strings.Contains(page, pw) || !strings.Contains(page, "acme.service-now.com") {
		t.Errorf("settings page must say the secret is set and not show it")
	}
	form.Del("password")
	form.Set("instance_url", "https://evil.example.com")
	if code, page, _ := a.postForm(p, p, form); code != http.StatusBadRequest || !strings.Contains(page, "password") || strings.Contains(page, pw) {
		t.Errorf("new URL without the password = %d, want 400 naming password", code)
	}
	_, cr, err := e.opts().ServiceNow.Credentials(context.Background(), "acme")
	if err != nil || cr.Password != pw || !e.auditHas("acme", "update", "servicenow_config") {
		t.Errorf("stored credentials changed or not audited: %v", err)
	}
	for _, login := range []string{"operator", "acme-viewer"} {
		if code, _, _ := e.login(login).get(p); code != http.StatusForbidden {
			t.Errorf("%s GET %s = %d, want 403", login, p, code)
		}
	}
	if _, err := e.opts().ServiceNow.Get(context.Background(), "beta"); err != storage.ErrNotFound {
		t.Errorf("beta's configuration: %v", err)
	}
}

// opts are the options the console under test was built with.
func (e *env) opts() *Options { return &e.console.opts }
