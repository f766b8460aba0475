package webhook

import (
	"crypto/hmac"
	"strconv"
	"testing"
	"time"
)

// FuzzVerify checks that Verify never panics and accepts a request only
// when its signature is the one Sign gives for that secret, timestamp and
// body.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1795396500, 0)
	body := []byte(`{"version":"1"}`)
	secret := []byte("whsec_0123456789abcdef")
	f.Add(secret, Sign(secret, now.Unix(), body), "1795396500", body)
	f.Add(secret, "sha256=", "1795396500", body)
	f.Add([]byte{}, "", "", []byte{})
	f.Add(secret, Sign(secret, now.Unix(), body), "01795396500", body)
	f.Add(secret, "sha256="+string(make([]byte, 64)), "-1", body)
	f.Fuzz(func(t *testing.T, secret []byte, header, timestamp string, body []byte) {
		err := verifyAt(secret, header, timestamp, body, time.Hour, now)
		if err != nil {
			return
		}
		ts, perr := strconv.ParseInt(timestamp, 10, 64)
		if perr != nil || strconv.FormatInt(ts, 10) != timestamp {
			t.Fatalf("verified a non-canonical timestamp %q", timestamp)
		}
		if want := Sign(secret, ts, body); !hmac.Equal([]byte(lower(header)), []byte(want)) {
			t.Fatalf("verified %q, the signature is %q", header, want)
		}
		if d := now.Sub(time.Unix(ts, 0)); d > time.Hour || d < -time.Hour {
			t.Fatalf("verified a timestamp %v away", d)
		}
	})
}

// lower folds hex digits, which Verify reads in either case.
func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
