package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// maxBody bounds what is read of a response; a body match looks no further.
const maxBody = 1 << 20

// Options tune checks beyond the configuration; tests use them.
type Options struct {
	RootCAs *x509.CertPool // trusted roots for HTTPS; the system's when nil
	// Redirect, when set, may refuse to follow a redirect to a URL: the
	// server's own agent must not be led where it may not go.
	Redirect func(*url.URL) error
	// Dial, when set, makes every connection (redirects included) and no
	// proxy is used: a proxy would connect to addresses Dial never sees.
	Dial DialFunc
}

// HTTP checks a URL: status, optional body match and certificate expiry.
type HTTP struct {
	url      *url.URL
	method   string
	expect   int
	body     *regexp.Regexp
	tlsDays  int
	roots    *x509.CertPool
	redirect func(*url.URL) error
	dial     DialFunc
	labels   []sample.Label
}

// NewHTTP returns the check of an http item.
func NewHTTP(it agentconfig.Item, opts Options) (*HTTP, error) {
	u, err := url.Parse(it.URL)
	if err != nil {
		return nil, fmt.Errorf("check: bad url %q: %w", it.URL, err)
	}
	h := &HTTP{
		url: u, method: it.Method, expect: it.ExpectStatus, tlsDays: it.TLSDays,
		roots: opts.RootCAs, redirect: opts.Redirect, dial: opts.Dial, labels: sample.Labels("item", it.Name, "target", it.URL),
	}
	if h.method == "" {
		h.method = http.MethodGet
	}
	if it.BodyMatch != "" {
		if h.body, err = regexp.Compile(it.BodyMatch); err != nil {
			return nil, fmt.Errorf("check: bad body_match %q: %w", it.BodyMatch, err)
		}
	}
	return h, nil
}

// Collect runs the check once. The error says why it is down, if it is.
func (h *HTTP) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	r := newResult(h.labels, now)
	start := time.Now()
	var leaf *x509.Certificate
	status, err := h.do(ctx, &leaf)
	if status > 0 {
		r.add("unyo_check_http_status", float64(status))
	}
	if leaf != nil {
		days := time.Until(leaf.NotAfter).Hours() / 24
		r.add("unyo_check_tls_cert_expiry_days", days)
		if h.tlsDays > 0 {
			r.add("unyo_check_tls_cert_expiring", b2f(days < float64(h.tlsDays)))
		}
	}
	return r.finish(err, start), err
}

// do makes the request on a fresh connection, so that every run measures a
// real connect and handshake and sees the certificate.
func (h *HTTP) do(ctx context.Context, leaf **x509.Certificate) (int, error) {
	host := h.url.Hostname()
	tr := &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DisableKeepAlives: true,
		ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{
			// Verification is done in verify instead, so that the certificate
			// of a failing handshake (an expired one) is still seen.
			InsecureSkipVerify: true,
			VerifyConnection:   verify(h.roots, &host, leaf),
		},
	}
	if h.dial != nil {
		tr.Proxy, tr.DialContext = nil, h.dial
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if h.redirect != nil {
			if err := h.redirect(req.URL); err != nil {
				return fmt.Errorf("redirect refused: %w", err)
			}
		}
		host = req.URL.Hostname()
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "unyo-agent")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("reading body: %w", err)
	}
	if !h.statusOK(resp.StatusCode) {
		return resp.StatusCode, fmt.Errorf("status %d, want %s", resp.StatusCode, h.wantStatus())
	}
	if h.body != nil && !h.body.Match(body) {
		return resp.StatusCode, fmt.Errorf("body does not match %q", h.body)
	}
	return resp.StatusCode, nil
}

// verify checks the chain and name like crypto/tls would, after noting the
// first leaf certificate. host is the host being requested: crypto/tls
// leaves ServerName empty for an IP address.
func verify(roots *x509.CertPool, host *string, leaf **x509.Certificate) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: server sent no certificate")
		}
		if *leaf == nil {
			*leaf = cs.PeerCertificates[0]
		}
		name := cs.ServerName
		if name == "" {
			name = *host
		}
		opts := x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

func (h *HTTP) statusOK(code int) bool {
	if h.expect == 0 {
		return code >= 200 && code < 300
	}
	return code == h.expect
}

func (h *HTTP) wantStatus() string {
	if h.expect == 0 {
		return "2xx"
	}
	return fmt.Sprint(h.expect)
}
