package console

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStaticFilesCarryTheirChecksum(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	_, page, _ := b.get("/login")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{16}/app\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the login page links no checksummed app.css")
	}
	resp, err := http.Get(e.url + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("app.css = %d %v", resp.StatusCode, resp.Header)
	}
	if code, _, _ := b.get("/static/0000000000000000/app.css"); code != http.StatusNotFound {
		t.Errorf("a stale checksum = %d, want 404", code)
	}
}

// TestCatalogComplete: every word is in both languages, and every key a
// template asks for exists.
func TestCatalogComplete(t *testing.T) {
	for k, w := range catalog {
		if w[0] == "" || w[1] == "" {
			t.Errorf("catalog %q lacks a language: %q", k, w)
		}
	}
	keyRE := regexp.MustCompile(`\.L\.T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(path)
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalog[m[1]]; !ok {
				t.Errorf("%s uses %q, which the catalog lacks", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"role.", "sev.", "range."} {
		n := 0
		for k := range catalog {
			if strings.HasPrefix(k, prefix) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no catalog words for the computed keys %s*", prefix)
		}
	}
	for _, tr := range timeRanges {
		if _, ok := catalog["range."+tr.Key]; !ok {
			t.Errorf("no word for range %s", tr.Key)
		}
	}
}
