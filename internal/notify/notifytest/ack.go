package notifytest

import (
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/notify"
)

// AckButton checks a chat channel's acknowledgement button: a notice with
// a signed acknowledgement link shows it as its own button, captioned in
// the message's language; a notice without a link has no button; and the
// provider's contract fake accepts the notice with its button (send
// delivers m and waits for the fake to take it).
func AckButton(t *testing.T, encode func(notify.View) any, send func(notify.Message) error) {
	t.Helper()
	m := Samples()[0].Message
	m.AckURL = "https://unyo.example/api/v1/oncall/ack/abc.def"
	body := func() string {
		v, err := notify.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := notify.EncodeJSON(encode(v))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for lang, caption := range map[notify.Language]string{notify.Japanese: "確認済みにする", notify.English: "Acknowledge"} {
		m.Language = lang
		if b := body(); !strings.Contains(b, m.AckURL) || !strings.Contains(b, caption) {
			t.Fatalf("%s: no %q button to the link:\n%s", lang, caption, b)
		}
	}
	link := m.AckURL
	m.AckURL = ""
	if strings.Contains(body(), "oncall/ack") {
		t.Fatal("a button without a link")
	}
	m.AckURL = link
	if err := send(m); err != nil {
		t.Fatalf("refused by the contract fake: %v", err)
	}
}
