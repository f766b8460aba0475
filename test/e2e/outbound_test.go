package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// loopbackReceiver stands for a service inside the MSP's network: it
// counts what reaches it and answers with a page nobody outside should read.
type loopbackReceiver struct {
	*httptest.Server
	hits   atomic.Int64
	status atomic.Int64
	auth   atomic.Value // the last Authorization header
}

const internalPage = "INTERNAL-ADMIN-PAGE root:x:0:0"

func newLoopbackReceiver(t *testing.T) *loopbackReceiver {
	r := &loopbackReceiver{}
	r.status.Store(http.StatusNoContent)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		r.auth.Store(req.Header.Get("Authorization"))
		w.WriteHeader(int(r.status.Load()))
		io.WriteString(w, internalPage)
	}))
	t.Cleanup(r.Close)
	return r
}

type testAnswer struct {
	Delivered  bool   `json:"delivered"`
	ReasonCode string `json:"reason_code"`
	Status     int    `json:"status"`
}

func (s *server) sendTest(path string) (int, testAnswer, string) {
	s.t.Helper()
	code, body := s.call("POST", path+"/test", "", nil)
	var a testAnswer
	json.Unmarshal(body, &a)
	return code, a, string(body)
}

// TestOutboundPolicy drives the real binary: by default a webhook channel
// pointing at a loopback receiver is refused and the receiver gets
// nothing; with --outbound-allow 127.0.0.0/8 it is delivered; a failed
// test message never shows what the receiver answered; and a write token
// cannot move the channel to its own receiver without the stored secrets.
func TestOutboundPolicy(t *testing.T) {
	rcv := newLoopbackReceiver(t)
	channel := map[string]any{"name": "hook", "type": "webhook", "config": map[string]any{
		"url": rcv.URL + "/hook", "secret": "e2e-signing-secret-0123", "headers": map[string]string{"Authorization": "Bearer stored-gw-token"}}}

	s := startServer(t, t.TempDir(), "--outbound-allow=") // the default policy: nothing internal allowed
	s.tenantWithTokens("acme")
	var ch e2eChannel
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", channel, &ch)
	path := fmt.Sprintf("/api/v1/tenants/acme/channels/%d", ch.ID)
	code, a, body := s.sendTest(path)
	if code != 502 || a.Delivered || a.ReasonCode != "refused_address" {
		t.Fatalf("test message to loopback without --outbound-allow = %d %s", code, body)
	}
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests from a server that refuses loopback", n)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}

	s = startServer(t, t.TempDir(), "--outbound-allow", "10.9.0.0/16,127.0.0.0/8")
	s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", channel, &ch)
	path = fmt.Sprintf("/api/v1/tenants/acme/channels/%d", ch.ID)
	if code, a, body := s.sendTest(path); code != 200 || !a.Delivered {
		t.Fatalf("test message with loopback allowed = %d %s", code, body)
	}
	if rcv.hits.Load() != 1 || rcv.auth.Load() != "Bearer stored-gw-token" {
		t.Fatalf("the receiver got %d requests, Authorization %q", rcv.hits.Load(), rcv.auth.Load())
	}
	rcv.status.Store(http.StatusForbidden)
	code, a, body = s.sendTest(path)
	if code != 502 || a.Status != 403 || a.ReasonCode != "status" {
		t.Fatalf("test message answered 403 = %d %s", code, body)
	}
	if strings.Contains(body, "INTERNAL-ADMIN-PAGE") || strings.Contains(body, "root:x") {
		t.Fatalf("the test endpoint echoed the receiver's answer: %s", body)
	}

	// A write token moves the channel to "its" receiver: refused without
	// the stored secrets, which never reach the new URL.
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-writer", "tenant": "acme", "scopes": []string{"read", "write"}}, &tok)
	thief := newLoopbackReceiver(t)
	move, _ := json.Marshal(map[string]any{"name": "hook", "type": "webhook", "config": map[string]any{"url": thief.URL + "/steal"}})
	code, got := s.call("PUT", path, tok.Token, bytes.NewReader(move), "Content-Type", "application/json")
	if code != 400 || !strings.Contains(string(got), `"field":"config.secret"`) {
		t.Fatalf("moving the channel without its secrets = %d %s", code, got)
	}
	rcv.status.Store(http.StatusNoContent)
	if code, _, body := s.sendTest(path); code != 200 || thief.hits.Load() != 0 || rcv.hits.Load() != 3 {
		t.Fatalf("after the refused move: test = %d %s; thief got %d, receiver %d", code, body, thief.hits.Load(), rcv.hits.Load())
	}
}
