package monitoring

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./internal/monitoring -update and review the diff\n%s", name, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + a + "\nwant: " + b
		}
	}
	return ""
}

var exportDay = time.Date(2025, 4, 1, 16, 0, 0, 0, time.UTC) // 2 April in Tokyo

func TestItemListGolden(t *testing.T) {
	d := newDesign(t)
	for _, lang := range []string{LangJa, LangEn} {
		l, err := d.s.ItemList(context.Background(), "acme", lang, exportDay)
		if err != nil {
			t.Fatal(err)
		}
		var csvOut, htmlOut bytes.Buffer
		if err := l.WriteCSV(&csvOut); err != nil {
			t.Fatal(err)
		}
		if err := l.WriteHTML(&htmlOut); err != nil {
			t.Fatal(err)
		}
		golden(t, "items_"+lang+".csv", csvOut.Bytes())
		golden(t, "items_"+lang+".html", htmlOut.Bytes())
	}
}

func TestItemListCSV(t *testing.T) {
	d := newDesign(t)
	l, err := d.s.ItemList(context.Background(), "acme", "", exportDay)
	if err != nil {
		t.Fatal(err)
	}
	if l.Lang != LangJa || l.Date != "2025-04-02" {
		t.Fatalf("lang %q date %q: want the tenant's language and the day in its zone", l.Lang, l.Date)
	}
	var out bytes.Buffer
	if err := l.WriteCSV(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatal("no UTF-8 byte order mark: Excel would garble the Japanese")
	}
	records, err := csv.NewReader(bytes.NewReader(out.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// web-01 18, web-02 13 (swap disabled), db-01 17, the app service none; beta's host never.
	if got := len(records) - 1; got != 18+13+17 {
		t.Fatalf("%d rows", got)
	}
	hosts := map[string]int{}
	for _, r := range records[1:] {
		hosts[r[1]]++
		if r[1] == "web-02" && r[3] == "スワップ使用率 (%)" {
			t.Error("the disabled swap item of web-02 is listed")
		}
	}
	if hosts["b-01"] != 0 || hosts["shop-api"] != 0 {
		t.Fatalf("rows by host: %v", hosts)
	}
}

func TestItemListLang(t *testing.T) {
	d := newDesign(t)
	if _, err := d.s.ItemList(context.Background(), "acme", "fr", exportDay); err == nil {
		t.Fatal("lang fr accepted")
	}
	if _, err := d.s.ItemList(context.Background(), "nobody", "", exportDay); err == nil {
		t.Fatal("unknown tenant accepted")
	}
	l, err := d.s.ItemList(context.Background(), "beta", "", exportDay)
	if err != nil || l.Lang != LangEn {
		t.Fatalf("beta: %v, lang %q", err, l.Lang)
	}
}

func TestHumanDuration(t *testing.T) {
	f := func(lang, d, want string) {
		t.Helper()
		v, _ := time.ParseDuration(d)
		if got := humanDuration(lang, v); got != want {
			t.Errorf("%s %s = %q, want %q", lang, d, got, want)
		}
	}
	f(LangJa, "5m", "5分")
	f(LangJa, "1h30m", "1時間30分")
	f(LangJa, "90s", "1分30秒")
	f(LangJa, "0s", "0秒")
	f(LangEn, "5m", "5m")
	f(LangEn, "1h", "1h")
	f(LangEn, "1h30m", "1h30m")
}

func TestCSVCellsInert(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := inert(in); got != want {
			t.Errorf("inert(%q) = %q, want %q", in, got, want)
		}
	}
	f("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")")
	f("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0")
	f("@SUM(A1)", "'@SUM(A1)")
	f("+1", "'+1")
	f("-", "-")
	f("> 80", "> 80")
	f("CPU使用率 (%)", "CPU使用率 (%)")
}

// TestCheckConditionWording: a check firing on its first failure reads
// "1回失敗" / "1 failure", never "1回連続失敗" or "1 consecutive failures".
func TestCheckConditionWording(t *testing.T) {
	f := func(failures int, lang, want string) {
		t.Helper()
		it := &Item{Kind: KindCheck, Check: &Check{Failures: failures}}
		if got := condition(lang, it); got != want {
			t.Errorf("condition(%s, %d failures) = %q, want %q", lang, failures, got, want)
		}
	}
	f(0, "ja", "1回失敗")
	f(1, "ja", "1回失敗")
	f(1, "en", "1 failure")
	f(3, "ja", "3回連続失敗")
	f(3, "en", "3 consecutive failures")
}
