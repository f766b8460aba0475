package channel

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// TestTestMessageDoesNotEchoTheAnswer: the test endpoint tells a failure
// by status and a fixed reason; what the destination answered (here an
// "internal page") is not in the API's answer.
func TestTestMessageDoesNotEchoTheAnswer(t *testing.T) {
	const page = "root:x:0:0 internal admin page"
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, page)
	}))
	defer rcv.Close()
	f := newFixture(t, Builder{Outbound: loopback})
	path := f.create(t, map[string]any{"name": "hook", "type": "webhook", "config": map[string]any{"url": rcv.URL + "/x", "secret": webhooktest.Secret}})
	code, body := f.do(t, "POST", path+"/test", acmeRW, nil)
	var res TestResult
	json.Unmarshal(body, &res)
	if code != 502 || res.Delivered || res.Status != 403 || res.ReasonCode != "status" || !res.Permanent {
		t.Fatalf("test against a 403 = %d %s", code, body)
	}
	if strings.Contains(string(body), "internal admin page") || strings.Contains(string(body), "root:x") {
		t.Fatalf("the test endpoint echoed the destination's answer: %s", body)
	}
}

// TestTestMessageRefusedByDefaultPolicy: a store built without an outbound
// policy refuses a loopback destination; the receiver gets nothing and the
// caller learns only that the address is refused.
func TestTestMessageRefusedByDefaultPolicy(t *testing.T) {
	var hits atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "internal page")
	}))
	defer rcv.Close()
	f := newFixture(t, Builder{})
	path := f.create(t, map[string]any{"name": "hook", "type": "webhook", "config": map[string]any{"url": rcv.URL + "/x", "secret": webhooktest.Secret}})
	code, body := f.do(t, "POST", path+"/test", acmeRW, nil)
	var res TestResult
	json.Unmarshal(body, &res)
	if code != 502 || res.ReasonCode != "refused_address" || !res.Permanent || strings.Contains(string(body), "127.0.0.1") {
		t.Fatalf("test against loopback = %d %s", code, body)
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback receiver got %d requests", hits.Load())
	}
}
