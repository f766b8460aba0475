package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// TestReportCommandMakesJapanesePDF is the report's user story on the real
// binary: a host's metrics arrive by remote write, `unyo report` asks the
// server for the tenant's report of a day and writes a PDF whose text holds
// the Japanese headings and the host's figures; another tenant's token gets
// nothing, and a published report refuses edits.
func TestReportCommandMakesJapanesePDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: install the Debian package poppler-utils (make deps)")
	}
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"))
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "beta", "name": "Beta", "language": "en", "time_zone": "UTC"}, nil)
	token := func(tenant string, scopes ...string) string {
		var out struct {
			Token string `json:"token"`
		}
		s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": tenant + "-" + strings.Join(scopes, "-"), "tenant": tenant, "scopes": scopes}, &out)
		return out.Token
	}
	ingest, staff, betaStaff := token("acme", "ingest"), token("acme", "read", "write"), token("beta", "read", "write")

	// Two days ago in Tokyo, one sample a minute: CPU 25 %, memory 40 %.
	jst := time.FixedZone("JST", 9*3600)
	n := time.Now().In(jst)
	day := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, jst).AddDate(0, 0, -2)
	pushHost(s, ingest, "web-01", day.Add(-10*time.Minute), day.Add(24*time.Hour), 0.25, 0.40)

	out := filepath.Join(dir, "report.pdf")
	cmd := exec.Command(binary, "report", "--server", s.url, "--tenant", "acme", "--from", day.Format("2006-01-02"), "--to", day.Format("2006-01-02"), "-o", out)
	cmd.Env = append(os.Environ(), "UNYO_TOKEN="+staff)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("unyo report: %v\n%s\n%s", err, msg, s.stderr)
	}
	text, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", out, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"運用報告書", "株式会社アクメ", "パフォーマンス情報", "発生アラート統計", "対応報告", "トピックス", "web-01", "25.0%", "40.0%",
		"このテナントにはWebアクセスのメトリクスがありません。", "1 / "} {
		if !strings.Contains(string(text), want) {
			t.Errorf("report PDF lacks %q:\n%s", want, text)
		}
	}

	// beta's token cannot make acme's report.
	cmd = exec.Command(binary, "report", "--server", s.url, "--tenant", "acme", "--from", day.Format("2006-01-02"), "--to", day.Format("2006-01-02"), "-o", filepath.Join(dir, "beta.pdf"))
	cmd.Env = append(os.Environ(), "UNYO_TOKEN="+betaStaff)
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "404") {
		t.Errorf("beta made acme's report: %v %s", err, msg)
	}

	// Published: frozen, and listed for the customer's read-only viewer.
	var list []struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/reports", staff, nil, &list)
	if len(list) == 0 {
		t.Fatal("no report listed")
	}
	id := "/api/v1/tenants/acme/reports/" + itoa(list[0].ID)
	s.mustJSON(200, "POST", id+"/publish", staff, nil, nil)
	code, body := s.call("PATCH", id, staff, strings.NewReader(`{"comment":"late"}`))
	if code != 409 || !bytes.Contains(body, []byte("published")) {
		t.Errorf("edit of a published report = %d %s, want 409 naming the state", code, body)
	}
	viewer := token("acme", "read")
	code, pdf := s.call("GET", id+"/report.pdf", viewer, nil)
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("viewer's PDF = %d", code)
	}
}

// pushHost writes one host's CPU and memory from..to at one sample a minute,
// in half-hour requests as an agent catching up would.
func pushHost(s *server, token, host string, from, to time.Time, cpu, mem float64) {
	const memTotal = 8 << 30
	var idle, user float64 = 1e6, 1e6
	lbl := func(name string, kv ...string) []prompb.Label {
		ls := []prompb.Label{{Name: "__name__", Value: name}, {Name: "host", Value: host}}
		for i := 0; i+1 < len(kv); i += 2 {
			ls = append(ls, prompb.Label{Name: kv[i], Value: kv[i+1]})
		}
		return ls
	}
	for t0 := from; t0.Before(to); t0 = t0.Add(30 * time.Minute) {
		series := []prompb.TimeSeries{
			{Labels: lbl("node_cpu_seconds_total", "cpu", "0", "mode", "idle")},
			{Labels: lbl("node_cpu_seconds_total", "cpu", "0", "mode", "user")},
			{Labels: lbl("node_memory_MemTotal_bytes")},
			{Labels: lbl("node_memory_MemAvailable_bytes")},
		}
		for ts := t0; ts.Before(t0.Add(30*time.Minute)) && !ts.After(to); ts = ts.Add(time.Minute) {
			idle, user = idle+60*(1-cpu), user+60*cpu
			ms := ts.UnixMilli()
			for i, v := range []float64{idle, user, memTotal, memTotal * (1 - mem)} {
				series[i].Samples = append(series[i].Samples, prompb.Sample{Timestamp: ms, Value: v})
			}
		}
		s.push(token, series)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestReportCommandReusesDraftAndMakesOnePerService: run twice for one
// period, `unyo report` makes one draft, not two; --new makes another; and
// --each-service writes one report per service, each with its own host.
func TestReportCommandReusesDraftAndMakesOnePerService(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: install the Debian package poppler-utils (make deps)")
	}
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"))
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	for host, svcName := range map[string]string{"web-01": "shop", "db-01": "billing"} {
		var svc struct {
			ID int64 `json:"id"`
		}
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": svcName}, &svc)
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": host, "kind": "host", "service_id": svc.ID}, nil)
	}
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "staff", "tenant": "acme", "scopes": []string{"read", "write", "ingest"}}, &tok)
	jst := time.FixedZone("JST", 9*3600)
	n := time.Now().In(jst)
	day := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, jst).AddDate(0, 0, -2)
	pushHost(s, tok.Token, "web-01", day.Add(-10*time.Minute), day.Add(2*time.Hour), 0.25, 0.40)
	pushHost(s, tok.Token, "db-01", day.Add(-10*time.Minute), day.Add(2*time.Hour), 0.65, 0.70)

	report := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"report", "--server", s.url, "--tenant", "acme", "--from", day.Format("2006-01-02"), "--to", day.Format("2006-01-02")}, args...)...)
		cmd.Env = append(os.Environ(), "UNYO_TOKEN="+tok.Token)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("unyo report %v: %v\n%s\n%s", args, err, msg, s.stderr)
		}
		return string(msg)
	}
	var list []struct {
		ID      int64  `json:"id"`
		Service string `json:"service"`
	}
	count := func() int {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/reports", tok.Token, nil, &list)
		return len(list)
	}
	report("-o", filepath.Join(dir, "a.pdf"))
	if msg := report("-o", filepath.Join(dir, "b.pdf")); !strings.Contains(msg, "existing draft") {
		t.Errorf("second run: %q, want the existing draft reused", msg)
	}
	if got := count(); got != 1 {
		t.Fatalf("%d reports after two runs for one period, want 1", got)
	}
	report("--new", "-o", filepath.Join(dir, "c.pdf"))
	if got := count(); got != 2 {
		t.Fatalf("%d reports after --new, want 2", got)
	}

	report("--each-service", "-o", filepath.Join(dir, "svc.pdf"))
	for svc, want := range map[string]struct{ host, other string }{"shop": {"web-01", "db-01"}, "billing": {"db-01", "web-01"}} {
		path := filepath.Join(dir, "svc-"+svc+".pdf")
		text, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", path, err)
		}
		if !strings.Contains(string(text), "運用報告書（"+svc+"）") || !strings.Contains(string(text), want.host) || strings.Contains(string(text), want.other) {
			t.Errorf("%s's report: want its title and %s, not %s:\n%s", svc, want.host, want.other, text)
		}
	}
	if got := count(); got != 4 {
		t.Errorf("%d reports, want 2 whole and 2 per service", got)
	}
	// Again: each service's draft is reused.
	report("--each-service", "-o", filepath.Join(dir, "svc.pdf"))
	if got := count(); got != 4 {
		t.Errorf("%d reports after the second --each-service, want still 4", got)
	}
}
