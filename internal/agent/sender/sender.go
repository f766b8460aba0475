package sender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
)

// Paths on unyo server.
const (
	WritePath  = "/api/v1/write"
	EventsPath = "/api/v1/events"
	TrapsPath  = "/api/v1/agent/collector/traps" // a collector's SNMP traps
)

// Options configure a Sender.
type Options struct {
	Server     string       // base URL of unyo server
	Token      string       // bearer token
	Client     *http.Client // a client with a 30s timeout when nil
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// Stats count what happened to the batches taken from the buffer.
type Stats struct {
	Sent     uint64 // accepted by the server
	Rejected uint64 // refused with a 4xx other than 429, and dropped
	Retries  uint64 // failed attempts that will be repeated
}

// Sender takes batches from the buffer, oldest first, and delivers them.
type Sender struct {
	buf    *buffer.Buffer
	client *http.Client
	logger *slog.Logger
	minB   time.Duration
	maxB   time.Duration

	mu     sync.Mutex
	server string
	token  string

	sent, rejected, retries atomic.Uint64
}

// New returns a Sender draining buf; call Run to start it.
func New(buf *buffer.Buffer, opts Options, logger *slog.Logger) *Sender {
	s := &Sender{
		buf: buf, client: opts.Client, logger: logger,
		minB: opts.MinBackoff, maxB: opts.MaxBackoff,
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if s.minB <= 0 {
		s.minB = 500 * time.Millisecond
	}
	if s.maxB < s.minB {
		s.maxB = max(30*time.Second, s.minB)
	}
	s.SetTarget(opts.Server, opts.Token)
	return s
}

// SetTarget changes where batches go, for a reloaded configuration.
func (s *Sender) SetTarget(server, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.server, s.token = strings.TrimRight(server, "/"), token
}

func (s *Sender) target() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server, s.token
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Rejected: s.rejected.Load(), Retries: s.retries.Load()}
}

type outcome int

const (
	delivered outcome = iota
	rejected
	retry
)

// Run sends until ctx is done. What is not yet accepted stays in the buffer.
func (s *Sender) Run(ctx context.Context) error {
	backoff := s.minB
	failing := 0
	for ctx.Err() == nil {
		seq, rec, ok, err := s.buf.Next()
		if err != nil {
			s.logger.Error("agent sender: cannot read the buffer", "err", err)
			s.sleep(ctx, s.maxB)
			continue
		}
		if !ok {
			select {
			case <-ctx.Done():
			case <-s.buf.Notify():
			}
			continue
		}
		res, wait, err := s.send(ctx, rec)
		switch res {
		case delivered, rejected:
			if failing > 0 {
				s.logger.Info("agent sender: server reachable again", "failed_attempts", failing)
			}
			s.buf.Ack(seq)
			backoff, failing = s.minB, 0
		case retry:
			if ctx.Err() != nil {
				return nil
			}
			s.retries.Add(1)
			if failing == 0 {
				// Only the first failure of a streak is logged; the retry counter tells the rest.
				s.logger.Warn("agent sender: cannot deliver; will retry", "err", err)
			}
			failing++
			s.sleep(ctx, max(wait, jitter(backoff)))
			backoff = min(2*backoff, s.maxB)
		}
	}
	return nil
}

func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/5+1)
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// send makes one attempt. For retry it returns why, and how long the server
// asked to wait if it did.
func (s *Sender) send(ctx context.Context, rec []byte) (outcome, time.Duration, error) {
	req, err := s.request(ctx, rec)
	if err != nil {
		s.logger.Error("agent sender: dropping a batch that cannot be sent", "err", err)
		s.rejected.Add(1)
		return rejected, 0, nil
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return retry, 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code/100 == 2:
		s.sent.Add(1)
		return delivered, 0, nil
	case code == http.StatusTooManyRequests || code/100 == 5:
		err := fmt.Errorf("server answered %s: %s", resp.Status, serverError(body))
		return retry, retryAfter(resp.Header.Get("Retry-After")), err
	default:
		s.rejected.Add(1)
		s.logger.Error("agent sender: server refused a batch; dropped",
			"status", code, "url", req.URL.String(), "error", serverError(body))
		return rejected, 0, nil
	}
}

func (s *Sender) request(ctx context.Context, rec []byte) (*http.Request, error) {
	if len(rec) == 0 {
		return nil, errors.New("empty record")
	}
	server, token := s.target()
	if server == "" {
		return nil, errors.New("no server configured")
	}
	var path, ctype string
	switch rec[0] {
	case KindSamples:
		path, ctype = WritePath, "application/x-protobuf"
	case KindEvents:
		path, ctype = EventsPath, "application/json"
	case KindTraps:
		path, ctype = TrapsPath, "application/json"
	default:
		return nil, fmt.Errorf("unknown record kind %d", rec[0])
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+path, bytes.NewReader(rec[1:]))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "unyo-agent")
	if rec[0] == KindSamples {
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// serverError returns the message of the server's JSON error, or the start of the body.
func serverError(body []byte) string {
	var e struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		if e.Field != "" {
			return e.Field + ": " + e.Error
		}
		return e.Error
	}
	if len(body) > 512 {
		body = body[:512]
	}
	return strings.TrimSpace(string(body))
}

// retryAfter reads a Retry-After in seconds, capped so a confused server
// cannot stall the agent for long.
func retryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(v)
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs)*time.Second, 5*time.Minute)
}
