package secret

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newBox(t *testing.T) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	b := newBox(t)
	plain := []byte("https://hooks.slack.com/services/T000/B000/XXXX")
	s1, s2 := b.Seal(plain, []byte("acme/ops")), b.Seal(plain, []byte("acme/ops"))
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if bytes.Contains(s1, []byte("hooks.slack.com")) {
		t.Fatal("sealed value holds the plaintext")
	}
	got, err := b.Open(s1, []byte("acme/ops"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(s1, []byte("beta/ops")); err != ErrOpen {
		t.Fatalf("Open with another row's ad = %v, want ErrOpen", err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1, []byte("acme/ops")); err != ErrOpen {
		t.Fatalf("Open of a tampered value = %v, want ErrOpen", err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(s2, []byte("acme/ops")); err != ErrOpen {
		t.Fatalf("Open with another key = %v, want ErrOpen", err)
	}
	for _, bad := range [][]byte{nil, {1}, {2, 3, 4}} {
		if _, err := b.Open(bad, nil); err != ErrOpen {
			t.Fatalf("Open(%v) = %v", bad, err)
		}
	}
}

func TestLoadKeyCreatesFile0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	k1, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	k2, err := LoadKey("", path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second start read another key: sealed secrets would be lost")
	}
	env := hex.EncodeToString(bytes.Repeat([]byte{9}, KeySize))
	k3, err := LoadKey(env, path)
	if err != nil || !bytes.Equal(k3, bytes.Repeat([]byte{9}, KeySize)) {
		t.Fatalf("env key not used: %v", err)
	}
	_, err = LoadKey("short-and-secret", path)
	if err == nil || strings.Contains(err.Error(), "short-and-secret") {
		t.Fatalf("bad env key error = %v (must refuse and not echo the key)", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("nope"), 0o600)
	if _, err := LoadKey("", bad); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

func TestBoxNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	key := bytes.Repeat([]byte{0xab}, KeySize)
	b, _ := New(key)
	logger.Info("box", "box", b)
	if strings.Contains(buf.String(), "abab") || strings.Contains(buf.String(), string(key)) {
		t.Fatalf("log holds the key: %s", buf.String())
	}
}

func FuzzOpen(f *testing.F) {
	b, _ := New(bytes.Repeat([]byte{7}, KeySize))
	f.Add(b.Seal([]byte("x"), nil))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if plain, err := b.Open(data, nil); err == nil && !bytes.Equal(b.Seal(plain, nil)[:1], []byte{version}) {
			t.Fatal("opened value does not reseal")
		}
	})
}
