package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// DefaultHTTPTimeout bounds one delivery attempt when the caller's client
// has no time-out of its own.
const DefaultHTTPTimeout = 10 * time.Second

// maxRetryAfter caps the delay a destination can ask for, so a hostile or
// broken Retry-After cannot park a notification for years.
const maxRetryAfter = 24 * time.Hour

// HTTPClient returns a copy of c that never follows redirects and has a
// time-out. A webhook that redirects is misconfigured, and following it
// would turn the POST into a GET or send the message somewhere nobody
// configured. A nil c is a client of the default outbound policy, which
// refuses loopback and private addresses; the server passes its own
// policy's client (outbound.Policy.Client).
func HTTPClient(c *http.Client) *http.Client {
	if c == nil {
		c = (*outbound.Policy)(nil).Client(0)
	}
	out := *c
	if out.Timeout == 0 {
		out.Timeout = DefaultHTTPTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &out
}

// Response is what an HTTP destination answered, with its body cut short.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte // at most maxBody bytes
}

const maxBody = 4 << 10

// PostJSON posts body as application/json to rawURL with the extra headers.
// The error, if any, names the URL only by scheme and host: webhook URLs
// carry their secret in the path or query.
func PostJSON(ctx context.Context, c *http.Client, rawURL string, header http.Header, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(fmt.Errorf("cannot build request for %s: invalid URL", RedactURL(rawURL)))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "unyo")
	resp, err := c.Do(req)
	if outbound.IsRefused(err) {
		// Only the server admin can change the policy; a retry by hand follows.
		return nil, Permanent(fmt.Errorf("POST %s: %w", RedactURL(rawURL), unwrapURLError(err)))
	}
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", RedactURL(rawURL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// unwrapURLError drops the *url.Error layer, whose message holds the full URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// StatusError is an HTTP answer outside 2xx.
type StatusError struct {
	StatusCode int
	Body       string // sanitized and shortened
}

// Error reads like "HTTP 404: no_service".
func (e *StatusError) Error() string {
	if e.Body == "" {
		return "HTTP " + strconv.Itoa(e.StatusCode)
	}
	return "HTTP " + strconv.Itoa(e.StatusCode) + ": " + e.Body
}

// Err classifies r for the outbox: nil for 2xx; retryable for 408, 429 and
// 5xx (with the Retry-After delay when given); permanent for everything
// else, since a 3xx or 4xx will be answered the same way next time.
func (r *Response) Err() error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	err := &StatusError{StatusCode: r.StatusCode, Body: sanitize(r.Body, 200)}
	retryable := r.StatusCode == http.StatusRequestTimeout ||
		r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500
	if !retryable {
		return Permanent(err)
	}
	if d, ok := ParseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		return RetryAfter(err, d)
	}
	return err
}

// ParseRetryAfter reads a Retry-After header in seconds or as an HTTP date
// relative to now. Negative values become zero, huge ones are capped.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, 0), maxRetryAfter), true
}

// RedactURL keeps only the scheme and host of rawURL, for errors and logs.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	if u.Path == "" && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// sanitize makes an answer body fit for an error message: valid UTF-8,
// one line, at most n runes.
func sanitize(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// ValidateWebhookURL checks that rawURL can receive a notification: an
// absolute https URL, or http to the local host for tests. The reasons
// never quote the URL, which carries a secret.
func ValidateWebhookURL(rawURL string) error {
	if rawURL == "" {
		return invalid.New("", "is required")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return invalid.New("", "must be an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackName(u.Hostname()):
	default:
		return invalid.New("", "must use https (http is allowed only for 127.0.0.1 and localhost)")
	}
	if u.User != nil {
		return invalid.New("", "must not contain a user name or password")
	}
	return nil
}

func isLoopbackName(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// EncodeJSON marshals v without HTML escaping: receivers are not browsers,
// and "\u003c" only makes logs and golden files harder to read.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
