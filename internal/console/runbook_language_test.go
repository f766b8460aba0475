package console

import (
	"strings"
	"testing"
)

func TestBuiltinRunbookInTheReadersLanguage(t *testing.T) {
	ja, en := newLocale("ja", "UTC"), newLocale("en", "UTC")
	f := func(title, wantJa, wantEn string) {
		t.Helper()
		if got := ja.Pick(title); got != wantJa {
			t.Errorf("ja.Pick(%q) = %q, want %q", title, got, wantJa)
		}
		if got := en.Pick(title); got != wantEn {
			t.Errorf("en.Pick(%q) = %q, want %q", title, got, wantEn)
		}
	}
	f("AWS EC2: 初動確認 / first checks", "AWS EC2: 初動確認", "AWS EC2: first checks")
	f("Azure Virtual Desktop ホストプール: 初動確認 / Azure Virtual Desktop host pool: first checks", "Azure Virtual Desktop ホストプール: 初動確認", "Azure Virtual Desktop host pool: first checks")
	f("DB 再起動", "DB 再起動", "DB 再起動")
	f("web / db restart", "web / db restart", "web / db restart")

	body := `<p>intro</p><h2 id="a">日本語</h2><ol><li>再起動する</li></ol><h2 id="b">English</h2><ol><li>restart it</li></ol>`
	if got := string(ja.pickSection(body)); got != `<p>intro</p><ol><li>再起動する</li></ol>` {
		t.Errorf("the Japanese section = %q", got)
	}
	if got := string(en.pickSection(body)); got != `<p>intro</p><ol><li>restart it</li></ol>` {
		t.Errorf("the English section = %q", got)
	}
	one := `<h2>手順</h2><p>停止する</p>`
	if got := string(en.pickSection(one)); got != one {
		t.Errorf("a runbook in one language = %q, want it whole", got)
	}
	if strings.Contains(string(en.pickSection(body+`<h2>日本語</h2>`)), "restart it") == false {
		t.Error("a runbook with three language headings should be shown whole")
	}
}
