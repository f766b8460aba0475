package notifytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// maxRequestBody is larger than any service we fake accepts, so an
// oversized request is refused by the service's own rule, not by ours.
const maxRequestBody = 1 << 20

// Answer is one HTTP response of a fake.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

func (a Answer) write(w http.ResponseWriter) {
	for k, v := range a.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// Rejection is a fake's refusal of a request that breaks the provider's
// contract: the answer the provider gives and, for the test, why.
type Rejection struct {
	Answer
	Reason string
}

// Error returns the reason.
func (r *Rejection) Error() string { return r.Reason }

// Reject builds a Rejection; reason is formatted with args.
func Reject(status int, body, reason string, args ...any) *Rejection {
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	return &Rejection{Answer: Answer{Status: status, Body: body}, Reason: reason}
}

// HTTPServerOptions describes the provider an HTTPServer fakes.
type HTTPServerOptions[T any] struct {
	// Accept checks a request against the provider's contract and decodes it.
	Accept func(r *http.Request, body []byte) (T, *Rejection)
	// OK is the answer to an accepted request.
	OK Answer
	// RateLimitBody is the body the provider sends with a 429.
	RateLimitBody string
}

// HTTPServer is a fake HTTP notification service on 127.0.0.1: it answers
// scripted failures first, then refuses contract violations, then records.
type HTTPServer[T any] struct {
	srv        *httptest.Server
	opts       HTTPServerOptions[T]
	requests   atomic.Int64
	mu         sync.Mutex
	script     []Answer
	messages   Recorder[T]
	rejections Recorder[Rejection]
}

// NewHTTPServer starts a fake that stops when t ends.
func NewHTTPServer[T any](t testing.TB, opts HTTPServerOptions[T]) *HTTPServer[T] {
	t.Helper()
	s := &HTTPServer[T]{opts: opts}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *HTTPServer[T]) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server.
func (s *HTTPServer[T]) Client() *http.Client { return s.srv.Client() }

// Messages returns the accepted messages, in arrival order.
func (s *HTTPServer[T]) Messages() []T { return s.messages.All() }

// WaitFor waits until n messages were accepted, or timeout passes.
func (s *HTTPServer[T]) WaitFor(n int, timeout time.Duration) ([]T, error) {
	return s.messages.WaitFor(n, timeout)
}

// Rejections returns the requests refused for breaking the contract.
func (s *HTTPServer[T]) Rejections() []Rejection { return s.rejections.All() }

// Requests counts every request received, whatever the answer.
func (s *HTTPServer[T]) Requests() int { return int(s.requests.Load()) }

// FailNext makes the next n requests get status and body, without being
// checked or recorded.
func (s *HTTPServer[T]) FailNext(n, status int, body string) {
	s.enqueue(n, Answer{Status: status, Body: body})
}

// RateLimitNext makes the next n requests get 429 with Retry-After, in
// whole seconds as the providers send it.
func (s *HTTPServer[T]) RateLimitNext(n int, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	h := http.Header{"Retry-After": {strconv.Itoa(secs)}}
	s.enqueue(n, Answer{Status: http.StatusTooManyRequests, Header: h, Body: s.opts.RateLimitBody})
}

func (s *HTTPServer[T]) enqueue(n int, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, a)
	}
}

func (s *HTTPServer[T]) next() (Answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Answer{}, false
	}
	a := s.script[0]
	s.script = s.script[1:]
	return a, true
}

func (s *HTTPServer[T]) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return // the client went away; nobody is listening for an answer
	}
	if a, ok := s.next(); ok {
		a.write(w)
		return
	}
	if len(body) > maxRequestBody {
		s.refuse(w, Reject(http.StatusRequestEntityTooLarge, "", "request body over 1 MiB"))
		return
	}
	msg, rej := s.opts.Accept(r, body)
	if rej != nil {
		s.refuse(w, rej)
		return
	}
	s.messages.Add(msg)
	s.opts.OK.write(w)
}

func (s *HTTPServer[T]) refuse(w http.ResponseWriter, rej *Rejection) {
	s.rejections.Add(*rej)
	rej.write(w)
}
