package smtptest

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f := func(raw, subject, contentType, text, html string) {
		t.Helper()
		m, err := parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != subject || m.ContentType != contentType || m.Text != text || m.HTML != html {
			t.Fatalf("parse = %q %q %q %q", m.Subject, m.ContentType, m.Text, m.HTML)
		}
	}
	f("From: a@b.example\nTo: c@d.example\nSubject: =?UTF-8?B?5pel5pys6Kqe?=\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n5pel5pys\n6Kqe\n",
		"日本語", "text/plain", "日本語", "")
	f(`From: a@b.example
To: c@d.example
Subject: =?UTF-8?q?caf=C3=A9?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9=
 ok
--inner
Content-Type: text/html; charset=UTF-8

<p>hi</p>
--inner--
--outer--
`, "café", "multipart/mixed", "café ok", "<p>hi</p>")
}

func TestParseRefusesBrokenMessages(t *testing.T) {
	for _, raw := range []string{
		"no headers at all",
		"From: a@b.example\r\nTo: c@d.example\r\nContent-Type: multipart/alternative\r\n\r\nbody",
		"From: nobody\r\nTo: c@d.example\r\n\r\nbody",
	} {
		if _, err := parse([]byte(raw)); err == nil {
			t.Errorf("parse(%q) succeeded", raw)
		}
	}
}
