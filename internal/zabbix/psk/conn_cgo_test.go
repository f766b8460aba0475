//go:build cgo

package psk

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// server is OpenSSL's own s_server, the library Zabbix agent 2 links, as a
// TLS-PSK peer whose versions and suites a test chooses: it echoes each
// line reversed (-rev).
type server struct {
	addr string
	out  *strings.Builder
	mu   *sync.Mutex
}

// startServer runs `openssl s_server` on a loopback port with the identity,
// the key (hex) and extra arguments; it is stopped when the test ends.
func startServer(t testing.TB, identity, key string, extra ...string) *server {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is not installed (Debian package openssl): %v", err)
	}
	args := append([]string{"s_server", "-accept", "127.0.0.1:0", "-psk_identity", identity, "-psk", key, "-rev"}, extra...)
	if !strings.Contains(strings.Join(extra, " "), "-cert") {
		args = append(args, "-nocert")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{out: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.out.Write(p) })
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "ACCEPT "); ok {
				addr <- a
			}
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("s_server %v:\n%s", args, s.out.String())
			s.mu.Unlock()
		}
	})
	select {
	case s.addr = <-addr:
	case <-time.After(20 * time.Second):
		t.Fatalf("s_server did not listen within 20s")
	}
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func newKey(t testing.TB) (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b), b
}

// dial runs the handshake with s; the Conn is closed when the test ends.
func dial(t testing.TB, addr string, k Key) (*Conn, error) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := Client(context.Background(), raw, k)
	if err != nil {
		raw.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// TestVersionsAndSuites: unyo agrees with an OpenSSL peer on TLS 1.3 and
// on TLS 1.2 (the ECDHE-PSK suite a Zabbix 4.0+ agent picks, and the plain
// PSK suite an old agent offers), and bytes go both ways.
func TestVersionsAndSuites(t *testing.T) {
	hexKey, key := newKey(t)
	f := func(wantVersion, wantCipher string, extra ...string) {
		t.Helper()
		s := startServer(t, "unyo-test", hexKey, extra...)
		c, err := dial(t, s.addr, Key{Identity: "unyo-test", Secret: key})
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		if st := c.State(); st.Version != wantVersion || st.Cipher != wantCipher {
			t.Errorf("%v: agreed %+v, want %s %s", extra, st, wantVersion, wantCipher)
		}
		if _, err := c.Write([]byte("agent.ping\n")); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "gnip.tnega\n" {
			t.Errorf("%v: echo %q %v", extra, line, err)
		}
	}
	f("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256")
	f("TLSv1.3", "TLS_AES_128_GCM_SHA256", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
	f("TLSv1.2", "ECDHE-PSK-AES128-CBC-SHA256", "-tls1_2")
	f("TLSv1.2", "PSK-AES128-GCM-SHA256", "-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256")
}

// TestWrongKey: a key or an identity the peer does not hold fails the
// handshake with a message that says so, on both versions.
func TestWrongKey(t *testing.T) {
	hexKey, key := newKey(t)
	_, other := newKey(t)
	f := func(k Key, extra ...string) {
		t.Helper()
		s := startServer(t, "unyo-test", hexKey, extra...)
		c, err := dial(t, s.addr, k)
		if err == nil {
			t.Fatalf("%v: a handshake with identity %q and a wrong key: %+v", extra, k.Identity, c.State())
		}
		if !errors.Is(err, ErrHandshake) || !strings.HasPrefix(err.Error(), "PSK handshake failed: ") {
			t.Errorf("%v: %v, want a PSK handshake failure", extra, err)
		}
		if !strings.Contains(err.Error(), "TLSPSKIdentity") {
			t.Errorf("%v: %v does not say what to check", extra, err)
		}
	}
	f(Key{Identity: "unyo-test", Secret: other})
	f(Key{Identity: "unyo-test", Secret: other}, "-tls1_2")
	// s_server takes any identity in TLS 1.2 (it only warns); zabbix_agent2
	// does not, which the agentproto tests show.
	f(Key{Identity: "someone-else", Secret: key})
}

// TestCertificateInsteadOfKey: a TLS 1.3 peer that does not take the
// identity falls back to its certificate; unyo verifies no certificate, so
// it must refuse that handshake rather than trust an unauthenticated peer.
func TestCertificateInsteadOfKey(t *testing.T) {
	hexKey, key := newKey(t)
	certFile, keyFile := selfSigned(t)
	s := startServer(t, "unyo-test", hexKey, "-cert", certFile, "-key", keyFile)
	if c, err := dial(t, s.addr, Key{Identity: "unknown", Secret: key}); err == nil || !strings.Contains(err.Error(), "did not use the key") {
		t.Fatalf("a peer with a certificate and no PSK: %v %v", c, err)
	}
	// The right identity on the same peer is fine.
	if _, err := dial(t, s.addr, Key{Identity: "unyo-test", Secret: key}); err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T) (string, string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agent"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	dir := t.TempDir()
	cf, kf := filepath.Join(dir, "agent.crt"), filepath.Join(dir, "agent.key")
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return cf, kf
}

// silent accepts connections and never answers: a hung agent.
func silent(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

// within fails the test if f does not return in limit: a hang, not a
// measure of speed.
func within(t *testing.T, limit time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("still blocked after %s", limit)
		return nil
	}
}

// TestHungPeer: a peer that never answers the handshake does not hold a
// poller: the context's deadline and the socket's both end it.
func TestHungPeer(t *testing.T) {
	addr := silent(t)
	_, key := newKey(t)
	k := Key{Identity: "unyo-test", Secret: key}

	raw, _ := net.Dial("tcp", addr)
	defer raw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := within(t, 30*time.Second, func() error { _, err := Client(ctx, raw, k); return err })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrHandshake) {
		t.Errorf("context deadline: %v", err)
	}

	raw2, _ := net.Dial("tcp", addr)
	defer raw2.Close()
	raw2.SetDeadline(time.Now().Add(300 * time.Millisecond))
	err = within(t, 30*time.Second, func() error { _, err := Client(context.Background(), raw2, k); return err })
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("socket deadline: %v", err)
	}
}

// TestReadDeadline: after the handshake, a peer that sends nothing ends a
// read at the deadline, and Close ends a read that has none.
func TestReadDeadline(t *testing.T) {
	hexKey, key := newKey(t)
	s := startServer(t, "unyo-test", hexKey)
	c, err := dial(t, s.addr, Key{Identity: "unyo-test", Secret: key})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("no newline, so no echo"))
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	err = within(t, 30*time.Second, func() error { _, err := c.Read(make([]byte, 10)); return err })
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("read past the deadline: %v", err)
	}

	c.SetReadDeadline(time.Time{})
	read := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 10)); read <- err }()
	c.Close()
	if err := within(t, 30*time.Second, func() error { return <-read }); err == nil {
		t.Error("a read on a closed connection succeeded")
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

// TestNotTLS: a peer that answers in plain text (an agent with
// TLSAccept=unencrypted) fails the handshake and says so.
func TestNotTLS(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Read(make([]byte, 512))
		c.Write([]byte("ZBXD\x01\x1a\x00\x00\x00\x00\x00\x00\x00ZBX_NOTSUPPORTED\x00no TLS here"))
	}()
	_, key := newKey(t)
	_, err = dial(t, l.Addr().String(), Key{Identity: "unyo-test", Secret: key})
	if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), "does not answer in TLS") {
		t.Fatalf("a plain-text peer: %v", err)
	}
}

// rss is this process's resident memory in bytes, after a collection that
// returns the Go heap's free pages: what grows is then C memory.
func rss(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestNoLeak: connections that succeed, fail the handshake, or are
// dropped without Close leave no C memory behind. An SSL with its BIOs is
// tens of KiB: a leak of each of these 1500 would show as tens of MiB.
func TestNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("a loop of handshakes")
	}
	hexKey, key := newKey(t)
	_, other := newKey(t)
	s := startServer(t, "unyo-test", hexKey)
	round := func(i int) {
		raw, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		k := Key{Identity: "unyo-test", Secret: key}
		if i%3 == 1 {
			k.Secret = other
		}
		c, err := Client(context.Background(), raw, k)
		switch {
		case i%3 == 1 && err == nil:
			t.Fatal("a wrong key was accepted")
		case i%3 != 1 && err != nil:
			t.Fatal(err)
		case i%3 == 0:
			c.Write([]byte("x\n"))
			io.ReadFull(c, make([]byte, 2))
			c.Close()
		}
		// i%3 == 2: dropped without Close; its cleanup frees it.
	}
	for i := 0; i < 300; i++ {
		round(i)
	}
	before := rss(t)
	for i := 0; i < 1500; i++ {
		round(i)
	}
	after := rss(t)
	if grown := after - before; grown > 8<<20 {
		t.Errorf("resident memory grew by %d KiB over 1500 connections", grown>>10)
	}
	t.Logf("resident memory: %d KiB before, %d KiB after", before>>10, after>>10)
}
