package report

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdftotext extracts the text of pdf with poppler-utils, page by page.
func pdftotext(t *testing.T, pdf []byte) []string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: install the Debian package poppler-utils (make deps)")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Split(string(out), "\f")
}

func renderPDF(t *testing.T, r *Report) []byte {
	t.Helper()
	p, err := NewPDF("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPDFJapaneseHeadingsFiguresAndPageFrames(t *testing.T) {
	pages := pdftotext(t, renderPDF(t, generate(t, "acme")))
	if last := pages[len(pages)-1]; strings.TrimSpace(last) == "" {
		pages = pages[:len(pages)-1]
	}
	all := strings.Join(pages, "\n")
	for _, s := range []string{"運用報告書", "1. サマリー", "2. パフォーマンス情報", "3. 発生アラート統計", "4. 対応報告", "5. バックアップ", "6. トピックス", "7. 改善提案", "8. キャパシティ", "自動化可能業務", "パッチ自動化",
		"99.896%", "99.583%", "未達", "45.0%", "90.0%", "432,000", "INC-1", "ECサイト応答遅延", "約20日後に満杯", "残り10日"} {
		if !strings.Contains(all, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	n := len(pages)
	for i, p := range pages {
		if !strings.Contains(p, "株式会社アクメ") || !strings.Contains(p, "2026/11/01 – 2026/11/30") {
			t.Errorf("page %d lacks the tenant and period", i+1)
		}
		if want := regexp.MustCompile(`\b` + strconv.Itoa(i+1) + ` / ` + strconv.Itoa(n) + ` ページ`); !want.MatchString(p) {
			t.Errorf("page %d lacks its number %q", i+1, want)
		}
	}
}

func TestPDFEnglish(t *testing.T) {
	r := generate(t, "acme")
	r.Language = "en"
	all := strings.Join(pdftotext(t, renderPDF(t, r)), "\n")
	for _, s := range []string{"Operations report", "2. Performance", "3. Alert statistics", "Page 1 of"} {
		if !strings.Contains(all, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
}

func TestFindFontNamesThePackage(t *testing.T) {
	_, err := FindFont(filepath.Join(t.TempDir(), "missing.ttf"))
	if err == nil {
		t.Fatal("want an error for a missing font")
	}
	if _, err := findFont("", []string{filepath.Join(t.TempDir(), "none.ttf")}); err == nil || !strings.Contains(err.Error(), FontPackage) {
		t.Fatalf("error should name %s: %v", FontPackage, err)
	}
}

// TestPDFContents: the first page lists every section with the page it
// starts on, and each section's title is found on that page.
func TestPDFContents(t *testing.T) {
	pages := pdftotext(t, renderPDF(t, generate(t, "acme")))
	if !strings.Contains(pages[0], "目次") {
		t.Fatalf("the first page has no contents:\n%s", pages[0])
	}
	line := regexp.MustCompile(`(?m)^\s+(\d+\. \S+)\s+(\d+)\s*$`)
	found := line.FindAllStringSubmatch(pages[0], -1)
	if len(found) != 8 {
		t.Fatalf("contents %q, want 8 sections", found)
	}
	for _, m := range found {
		n, _ := strconv.Atoi(m[2])
		if n < 1 || n > len(pages) {
			t.Errorf("%s on page %d of %d", m[1], n, len(pages))
			continue
		}
		// The first page holds the contents too: look under them there.
		body := pages[n-1]
		if n == 1 {
			body = body[strings.LastIndex(body, found[len(found)-1][0])+len(found[len(found)-1][0]):]
		}
		if !strings.Contains(body, m[1]) {
			t.Errorf("%s is said to start on page %d, not found there", m[1], n)
		}
	}
	if found[len(found)-1][2] == "1" {
		t.Errorf("every section on page 1? %q", found)
	}
}
