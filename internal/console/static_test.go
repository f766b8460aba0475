package console

import (
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
