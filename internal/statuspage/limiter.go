package statuspage

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// limiter allows each client address n requests per window: a public
// page must not let one client make the server work without bound (the
// cache makes most requests cheap; this bounds the rest).
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	start time.Time
	seen  map[string]int
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, seen: map[string]int{}}
}

// allow counts a request from r's address and reports whether it may go
// on, and if not, after how long it may.
func (l *limiter) allow(r *http.Request) (bool, time.Duration) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		// A fixed window: the map is dropped whole, so it never outgrows
		// the addresses of one window.
		l.start, l.seen = now, map[string]int{}
	}
	l.seen[host]++
	if l.seen[host] > l.n {
		return false, l.window - now.Sub(l.start)
	}
	return true, 0
}
