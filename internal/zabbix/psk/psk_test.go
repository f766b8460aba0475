package psk

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	f := func(in string, wantLen int, wantErr string) {
		t.Helper()
		b, err := ParseKey(in)
		switch {
		case wantErr == "" && (err != nil || len(b) != wantLen):
			t.Errorf("%q: %d bytes, %v", in, len(b), err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%q: %v, want %q", in, err, wantErr)
		}
		if err != nil && len(in) >= 8 && strings.Contains(err.Error(), in[:8]) {
			t.Errorf("%q: the error repeats the key: %v", in, err)
		}
	}
	f("1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952", 32, "")
	f("1F87B595725AC58DD977BEEF14B97461\n", 16, "")
	f(strings.Repeat("ab", 256), 256, "")
	f(strings.Repeat("ab", 15), 0, "32 to 512 hex digits")
	f(strings.Repeat("ab", 257), 0, "32 to 512 hex digits")
	f(strings.Repeat("a", 33), 0, "even number")
	f("zz87b595725ac58dd977beef14b97461", 0, "hex digits only")
	f("", 0, "32 to 512")
}

func TestCheckIdentity(t *testing.T) {
	f := func(in string, ok bool) {
		t.Helper()
		if err := CheckIdentity(in); (err == nil) != ok {
			t.Errorf("%q: %v", in, err)
		}
	}
	f("PSK 001", true)
	f("顧客A ホスト1", true)
	f(strings.Repeat("x", 128), true)
	f(strings.Repeat("x", 129), false)
	f("", false)
	f("a\x00b", false)
	f("\xff\xfe", false)
}

// FuzzParseKey: what ParseKey accepts is exactly an even run of 32 to 512
// hex digits (white space around it aside), decoded to its bytes.
func FuzzParseKey(f *testing.F) {
	f.Add("1f87b595725ac58dd977beef14b97461")
	f.Add(" 1f87b595725ac58dd977beef14b974610\n")
	f.Add(strings.Repeat("f", 512))
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseKey(s)
		trimmed := strings.TrimSpace(s)
		want, herr := hex.DecodeString(trimmed)
		valid := herr == nil && len(trimmed) >= MinKeyDigits && len(trimmed) <= MaxKeyDigits
		if valid != (err == nil) {
			t.Fatalf("%q: accepted=%v, want %v (%v)", s, err == nil, valid, err)
		}
		if err == nil && string(b) != string(want) {
			t.Fatalf("%q: %x, want %x", s, b, want)
		}
	})
}
