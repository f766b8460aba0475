package report

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// inLanguage is the tenant source with every tenant speaking lang: the
// shared data set's acme, as an English-speaking customer would have it.
type inLanguage struct {
	TenantSource
	lang string
}

func (s inLanguage) Tenant(ctx context.Context, id string) (*model.Tenant, error) {
	t, err := s.TenantSource.Tenant(ctx, id)
	if err != nil {
		return nil, err
	}
	c := *t
	c.Language = s.lang
	return &c, nil
}

// generateIn is generate with the tenant speaking lang.
func generateIn(t *testing.T, tenant, lang string) *Report {
	t.Helper()
	src := sharedFixture(t).src
	src.Tenants = inLanguage{src.Tenants, lang}
	g := NewGenerator(src, nil)
	g.now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	r, err := g.Generate(context.Background(), tenant, fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// customerEntered are the names the customer (or the MSP) wrote in the
// data set, which a report shows as written in any language.
var customerEntered = []string{"株式会社アクメ", "ECサイト応答遅延", "API停止", "ECサイト",
	"ログ整理", "佐藤", "アラート削減", "パッチ自動化", "作業削減", "月次パッチ web1", "ログ確認"}

var japanese = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}・]+`)

// visible is the text of an HTML page a reader sees: no tags, no style.
func visible(html string) string {
	html = regexp.MustCompile(`(?s)<style.*?</style>`).ReplaceAllString(html, "")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
}

// TestEnglishReportHasNoJapanese: the English report, HTML and PDF, holds
// no Japanese but the names the customer entered.
func TestEnglishReportHasNoJapanese(t *testing.T) {
	r := generateIn(t, "acme", "en")
	html, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"HTML": visible(string(html)), "PDF": strings.Join(pdftotext(t, renderPDF(t, r)), "\n")} {
		for _, name := range customerEntered {
			text = strings.ReplaceAll(text, name, "")
		}
		if found := japanese.FindAllString(text, -1); len(found) > 0 {
			t.Errorf("English %s has Japanese: %q", what, found)
		}
		for _, want := range []string{"CPU usage", "Shop site (HTTP)", "Critical", "in about 20 days", "expires in 10 days", "Contents",
			"Improvement proposals", "Automation candidates", "Accepted", "November 2026 (1 Nov – 30 Nov 2026)", "Sep 2026", "45 min"} {
			if what == "HTML" && want == "Contents" {
				continue
			}
			if !strings.Contains(text, want) {
				t.Errorf("English %s lacks %q", what, want)
			}
		}
	}
}

// englishUI are the English catalogue's words that no Japanese report may
// show: every message without a format verb, and the words the desk and
// the alert engine write in English.
func englishUI() []string {
	out := []string{"firing", "acknowledge", "High", "Moderate", "critical", "warning", " days", " day", " min", "scrape fails"}
	for key, s := range messages["en"] {
		if strings.Contains(s, "%") || s == messages["ja"][key] || len(s) < 4 {
			continue
		}
		out = append(out, s)
	}
	return out
}

// TestJapaneseReportHasNoEnglishUI: the Japanese report, HTML and PDF,
// shows none of the English report's words.
func TestJapaneseReportHasNoEnglishUI(t *testing.T) {
	r := generateIn(t, "acme", "ja")
	html, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"HTML": visible(string(html)), "PDF": strings.Join(pdftotext(t, renderPDF(t, r)), "\n")} {
		for _, w := range englishUI() {
			if strings.Contains(text, w) {
				t.Errorf("Japanese %s shows the English %q", what, w)
			}
		}
		for _, want := range []string{"CPU使用率", "ショップサイト(HTTP)", "重大", "改善提案", "自動化可能業務", "承認済み", "2026年11月 (2026/11/01 – 2026/11/30)", "2026年9月", "45分"} {
			if !strings.Contains(text, want) {
				t.Errorf("Japanese %s lacks %q", what, want)
			}
		}
	}
}
