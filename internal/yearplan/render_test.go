package yearplan

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func mustContain(t *testing.T, out []byte, s ...string) {
	t.Helper()
	for _, x := range s {
		if !bytes.Contains(out, []byte(x)) {
			t.Errorf("output lacks %q", x)
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length", name)
	}
}

// japanese matches any kana or kanji.
var japanese = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)

// otherLanguage returns the words of the other language found in text: for
// English, any Japanese character; for Japanese, any English message of the
// catalog that is not also the Japanese one.
func otherLanguage(lang, text string) []string {
	if lang == "en" {
		return japanese.FindAllString(text, 5)
	}
	var found []string
	for k, en := range messages["en"] {
		if en == messages["ja"][k] || len(en) < 4 || strings.Contains(en, "%") {
			continue
		}
		if strings.Contains(text, en) {
			found = append(found, en)
		}
	}
	return found
}

// TestRenderJapaneseAndEnglish: the plan's HTML in each language is the
// golden one, states the figures, and holds no word of the other language;
// so does the text of its PDF (read by pdftotext).
func TestRenderJapaneseAndEnglish(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"ja", []string{"年間運行計画", "ACME Corp.", "2027/01/01 – 2027/12/31", "過去のイベント時の負荷", "Autumn campaign", "88.0%", "不足", "×1.76",
			"New Year sale", "Standard_D2s_v5", "-76600 JPY", "MAPE 0.0%", "目標CPU使用率は 60% です"}},
		{"en", []string{"Yearly operation plan", "ACME Corp.", "Load during past events", "88.0%", "under-provisioned", "×1.76",
			"Standard_D2s_v5", "-76600 JPY", "MAPE 0.0%", "target CPU utilisation of 60%"}},
	} {
		p, err := f.svc.Generate(t.Context(), "acme", Options{Language: c.lang})
		if err != nil {
			t.Fatal(err)
		}
		out, err := HTML(p)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "acme-"+c.lang+".html", out)
		mustContain(t, out, c.want...)
		text := string(japaneseFree(out))
		if bad := otherLanguage(c.lang, text); len(bad) > 0 {
			t.Errorf("%s HTML holds the other language: %q", c.lang, bad)
		}
		pdf, err := f.svc.PDF(p)
		if err != nil {
			t.Fatal(err)
		}
		ptext := pdfText(t, pdf)
		if !strings.Contains(ptext, "Standard_D2s_v5") || !strings.Contains(ptext, messages[c.lang]["title"]) {
			t.Errorf("%s PDF text lacks the title or the size:\n%.400s", c.lang, ptext)
		}
		if bad := otherLanguage(c.lang, ptext); len(bad) > 0 {
			t.Errorf("%s PDF holds the other language: %q", c.lang, bad)
		}
	}
}

// japaneseFree drops the font-family list of the page's style, which names
// Japanese fonts in either language.
func japaneseFree(html []byte) []byte {
	return regexp.MustCompile(`font-family:[^;]*;`).ReplaceAll(html, nil)
}

// pdfText extracts the text of a PDF with pdftotext (Debian poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install the Debian package poppler-utils (make deps)")
	}
	path := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestNoGroups: a tenant without capacity groups gets an overview that
// says so, and no group sections.
func TestNoGroups(t *testing.T) {
	f := newFixture(t)
	delete(f.src.list, "acme")
	p, err := f.svc.Generate(t.Context(), "acme", Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := HTML(p)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "This tenant has no capacity groups.", "2. Method")
}
