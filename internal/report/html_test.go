package report

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n%s", name, firstDiff(string(got), string(want)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + al[i] + "\nwant: " + bl[i]
		}
	}
	return "lengths differ"
}

func TestHTMLGoldenJapanese(t *testing.T) {
	out, err := HTML(generate(t, "acme"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "acme-2026-11.html", out)
	for _, s := range []string{"パフォーマンス情報", "発生アラート統計", "対応報告", "トピックス", "99.896%", "株式会社アクメ", "2026/11/01 – 2026/11/30"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
}

func TestHTMLGoldenEnglishWithEmptySections(t *testing.T) {
	r := generateIn(t, "acme", "en")
	r.Findings, r.Capacity = nil, nil
	r.Web, r.Alerts, r.Responses = nil, AlertStats{}, Responses{}
	r.Notes = SectionNote{"alerts": "no.alerts", "responses": "no.responses", "web": "no.web"}
	r.Topics = []Topic{{Kind: "operator", Title: "Migration <planned>", Body: "DB moves on 12/10 & 12/11."}}
	out, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "acme-2026-11-en.html", out)
	for _, s := range []string{"There are no web access metrics for this tenant.", "No alerts fired in this period.", "Migration &lt;planned&gt;", "12/10 &amp; 12/11"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
}
