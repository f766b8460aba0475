package teams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/teams/teamstest"
)

// TestAckLinkIsAButton: a notice with a signed acknowledgement link shows
// it as its own button, captioned in the message's language, and the
// provider's contract fake accepts it.
func TestAckLinkIsAButton(t *testing.T) {
	m := notifytest.Samples()[0].Message
	m.AckURL = "https://unyo.example/api/v1/oncall/ack/abc.def"
	for lang, caption := range map[notify.Language]string{notify.Japanese: "確認済みにする", notify.English: "Acknowledge"} {
		m.Language = lang
		v, err := notify.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		body, err := notify.EncodeJSON(newCard(v))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), m.AckURL) || !strings.Contains(string(body), caption) {
			t.Fatalf("%s: no %q button to the link:\n%s", lang, caption, body)
		}
	}
	m.AckURL = ""
	v, _ := notify.Render(m)
	if body, _ := notify.EncodeJSON(newCard(v)); strings.Contains(string(body), "oncall/ack") {
		t.Fatal("a button without a link")
	}
	srv := teamstest.NewServer(t)
	m.AckURL = "https://unyo.example/api/v1/oncall/ack/abc.def"
	if err := newChannel(t, srv).Send(context.Background(), m); err != nil {
		t.Fatalf("refused by the contract fake: %v (%+v)", err, srv.Rejections())
	}
	if _, err := srv.WaitFor(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}
