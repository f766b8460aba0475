package report

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
	"github.com/unyo-ops/unyo/internal/response"
)

type apiServer struct {
	srv  *httptest.Server
	smtp *smtptest.Server
}

// newAPI serves the handlers over the shared data set with a real SMTP
// server; the X-Token header "tenant:scope,scope" is the caller's token.
func newAPI(t *testing.T) *apiServer { return newAPIOn(t, sharedFixture(t)) }

// newAPIOn serves the handlers over f's data set.
func newAPIOn(t *testing.T, f *fixture) *apiServer {
	pdf, err := NewPDF("")
	if err != nil {
		t.Fatal(err)
	}
	mailSrv := smtptest.NewServer(t, smtptest.Options{})
	mailer := SMTP{Host: mailSrv.Host(), Port: mailSrv.Port(), From: "unyo <reports@msp.example>", TLS: "none", Timeout: 10 * time.Second}
	svc := NewService(NewGenerator(f.src, nil), NewStore(f.db.DB()), pdf, mailer, nil)
	svc.SetConsoleURL("https://unyo.example.com/")
	h := NewHandlers(svc, apitest.PathTenant, nil)
	srv := apitest.NewServer(t, h.Routes())
	return &apiServer{srv: srv, smtp: mailSrv}
}

func (s *apiServer) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, s.srv, method, path, token, body)
	return code, data
}

func (s *apiServer) want(t *testing.T, status int, method, path, token string, body any) []byte {
	t.Helper()
	got, data := s.do(t, method, path, token, body)
	if got != status {
		t.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, token, got, status, data)
	}
	return data
}

const (
	acmeRW = "acme:read,write"
	acmeRO = "acme:read"
	betaRW = "beta:read,write"
	betaRO = "beta:read"
)

func decodeAs[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return v
}

func TestWorkflowDraftEditPublishDeliver(t *testing.T) {
	s := newAPI(t)
	base := "/api/v1/tenants/acme/reports"
	st := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	if st.State != Draft || !st.From.Equal(fromNov) || !st.To.Equal(toNov) || st.Content.Summary.Alerts.Now != 7 {
		t.Fatalf("draft: %+v", st)
	}
	id := "/" + itoa(st.ID)
	// The customer's viewer sees no draft.
	if list := decodeAs[[]Stored](t, s.want(t, 200, "GET", base, acmeRO, nil)); len(list) != 0 {
		t.Errorf("viewer lists drafts: %+v", list)
	}
	s.want(t, 404, "GET", base+id, acmeRO, nil)
	s.want(t, 404, "GET", base+id+"/report.pdf", acmeRO, nil)

	edit := map[string]any{"topics": []map[string]string{{"title": "12月のメンテナンス予定", "body": "12/10 02:00-04:00 DB更新"}}, "comment": "今月は安定稼働でした。"}
	ed := decodeAs[Stored](t, s.want(t, 200, "PATCH", base+id, acmeRW, edit))
	if len(ed.Content.Topics) != 1 || ed.Content.Topics[0].Kind != "operator" || ed.Content.Comment != "今月は安定稼働でした。" {
		t.Fatalf("edit not kept: %+v", ed.Content.Topics)
	}
	html := string(s.want(t, 200, "GET", base+id+"/report.html", acmeRW, nil))
	if !strings.Contains(html, "12月のメンテナンス予定") {
		t.Error("draft HTML lacks the operator's topic")
	}
	s.want(t, 409, "POST", base+id+"/deliver", acmeRW, nil) // a draft is not delivered

	pub := decodeAs[Stored](t, s.want(t, 200, "POST", base+id+"/publish", acmeRW, nil))
	if pub.State != Published || pub.PublishedAt == nil || pub.PublishedBy != "token:test" {
		t.Fatalf("publish: %+v", pub)
	}
	// Frozen: edits and a second publish are 409 naming the state.
	for _, c := range []struct{ method, path string }{{"PATCH", base + id}, {"POST", base + id + "/publish"}} {
		_, data := s.do(t, c.method, c.path, acmeRW, map[string]string{"comment": "x"})
		if !strings.Contains(string(data), "is published") {
			t.Errorf("%s %s: %s, want 409 naming the state", c.method, c.path, data)
		}
	}
	again := decodeAs[Stored](t, s.want(t, 200, "GET", base+id, acmeRO, nil))
	if again.Content.Comment != "今月は安定稼働でした。" {
		t.Error("a refused edit changed the published report")
	}
	if list := decodeAs[[]Stored](t, s.want(t, 200, "GET", base, acmeRO, nil)); len(list) != 1 || list[0].ID != st.ID {
		t.Errorf("viewer list: %+v, want the published report", list)
	}
	pdf := s.want(t, 200, "GET", base+id+"/report.pdf", acmeRO, nil)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("report.pdf is not a PDF")
	}

	s.want(t, 409, "POST", base+id+"/deliver", acmeRW, nil) // no recipients yet
	s.want(t, 400, "PUT", "/api/v1/tenants/acme/report-recipients", acmeRW, map[string]any{"recipients": []map[string]string{{"email": "not an address"}}})
	s.want(t, 200, "PUT", "/api/v1/tenants/acme/report-recipients", acmeRW, map[string]any{"recipients": []map[string]string{{"email": "cio@acme.example", "name": "情報システム部"}}})
	del := decodeAs[Stored](t, s.want(t, 200, "POST", base+id+"/deliver", acmeRW, nil))
	if del.DeliveredAt == nil {
		t.Error("delivered_at not set")
	}
	msgs, err := s.smtp.WaitFor(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if len(m.RcptTo) != 1 || m.RcptTo[0] != "cio@acme.example" || !strings.Contains(m.Subject, "運用報告書") || !strings.Contains(m.Text, "運用報告書を添付") {
		t.Errorf("mail: to %v subject %q text %q", m.RcptTo, m.Subject, m.Text)
	}
	if want := "https://unyo.example.com/tenants/acme/reports/" + strconv.FormatInt(st.ID, 10); !strings.Contains(m.Text, want) {
		t.Errorf("mail text %q does not link to the report under the external URL %s", m.Text, want)
	}
	if !bytes.Contains(m.Raw, []byte("application/pdf")) || !bytes.Contains(m.Raw, []byte("report-acme-2026-11.pdf")) {
		t.Error("mail lacks the PDF attachment")
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	s := newAPI(t)
	base := "/api/v1/tenants/acme/reports"
	f := func(body any, field string) {
		t.Helper()
		data := s.want(t, 400, "POST", base, acmeRW, body)
		if b := decodeAs[response.Body](t, data); b.Field != field {
			t.Errorf("body %v: field %q, want %q (%s)", body, b.Field, field, data)
		}
	}
	f(map[string]string{"to": "2026-11-30"}, "from")
	f(map[string]string{"from": "2026-11-01"}, "to")
	f(map[string]string{"from": "2026-11-31", "to": "2026-12-01"}, "from")
	f(map[string]string{"from": "2026-12-01", "to": "2026-11-01"}, "to")
	f(map[string]string{"from": "2024-01-01", "to": "2026-01-01"}, "to")
	f(map[string]string{"from": "2026-11-01", "to": "2026-11-30", "tenant": "beta"}, "tenant")
	f("{", "body")
	st := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	data := s.want(t, 400, "PATCH", base+"/"+itoa(st.ID), acmeRW, map[string]any{"topics": []map[string]string{{"body": "no title"}}})
	if b := decodeAs[response.Body](t, data); b.Field != "topics[0].title" {
		t.Errorf("edit: %s", data)
	}
}

// TestTenantIsolation proves that beta's tokens read and change nothing of
// acme's on every endpoint, and that acme's report holds acme's data only.
func TestTenantIsolation(t *testing.T) {
	s := newAPI(t)
	base := "/api/v1/tenants/acme/reports"
	st := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}))
	s.want(t, 200, "PUT", "/api/v1/tenants/acme/report-recipients", acmeRW, map[string]any{"recipients": []map[string]string{{"email": "cio@acme.example"}}})
	id := "/" + itoa(st.ID)
	h := NewHandlers(nil, apitest.PathTenant, nil)
	for _, rt := range h.Routes() {
		path := strings.NewReplacer("{tenant}", "acme", "{id}", itoa(st.ID)).Replace(rt.Path)
		for _, tok := range []string{betaRW, betaRO} {
			got, data := s.do(t, rt.Method, path, tok, map[string]any{"from": "2026-11-01", "to": "2026-11-30", "comment": "beta was here"})
			if got != 404 {
				t.Errorf("%s %s as %s: %d %s, want 404", rt.Method, path, tok, got, data)
			}
		}
		// beta's own path with acme's report ID finds nothing either.
		if strings.Contains(rt.Path, "{id}") {
			bpath := strings.NewReplacer("{tenant}", "beta", "{id}", itoa(st.ID)).Replace(rt.Path)
			if got, data := s.do(t, rt.Method, bpath, betaRW, map[string]any{"comment": "x"}); got != 404 {
				t.Errorf("%s %s as beta: %d %s, want 404", rt.Method, bpath, got, data)
			}
		}
	}
	after := decodeAs[Stored](t, s.want(t, 200, "GET", base+id, acmeRW, nil))
	if after.State != Draft || after.Content.Comment != "" || after.DeliveredAt != nil {
		t.Errorf("beta changed acme's report: %+v", after)
	}
	if list := decodeAs[[]Stored](t, s.want(t, 200, "GET", "/api/v1/tenants/beta/reports", betaRW, nil)); len(list) != 0 {
		t.Errorf("beta lists %d reports, want none", len(list))
	}
	if rs := decodeAs[[]Recipient](t, s.want(t, 200, "GET", "/api/v1/tenants/beta/report-recipients", betaRW, nil)); len(rs) != 0 {
		t.Errorf("beta sees recipients %v", rs)
	}
	if len(s.smtp.Messages()) != 0 {
		t.Error("a mail was sent")
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestListNamesDaysInTenantZone: a Tokyo tenant's report of 1–6 December
// is listed with those days, not the UTC instants' (30 November – 6
// December), in the list and in the report.
func TestListNamesDaysInTenantZone(t *testing.T) {
	s := newAPIOn(t, newFixtureFrom(t, []string{"acme"}, 0, toNov.Add(-time.Hour), time.Minute))
	base := "/api/v1/tenants/acme/reports"
	made := decodeAs[Stored](t, s.want(t, 201, "POST", base, acmeRW, map[string]string{"from": "2026-12-01", "to": "2026-12-06"}))
	list := decodeAs[[]Stored](t, s.want(t, 200, "GET", base, acmeRW, nil))
	got := decodeAs[Stored](t, s.want(t, 200, "GET", base+"/"+itoa(made.ID), acmeRW, nil))
	for what, st := range map[string]Stored{"created": made, "listed": list[0], "read": got} {
		if st.FirstDay != "2026-12-01" || st.LastDay != "2026-12-06" || st.TimeZone != "Asia/Tokyo" || st.PeriodText() != "2026-12-01 – 2026-12-06" {
			t.Errorf("%s: days %s – %s in %q, want 2026-12-01 – 2026-12-06 in Asia/Tokyo", what, st.FirstDay, st.LastDay, st.TimeZone)
		}
	}
}
