// Package smtptest is a real SMTP server on 127.0.0.1 for tests, built on
// github.com/emersion/go-smtp: it can require AUTH (PLAIN and LOGIN), offer
// STARTTLS or speak implicit TLS with a self-signed certificate, records the
// parsed messages, and can be told to refuse the next ones.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/unyo-ops/unyo/internal/notify/notifytest"
)

// Options chooses what the server offers and demands.
type Options struct {
	// Username and Password, when set, make AUTH (PLAIN or LOGIN) required
	// before MAIL.
	Username string
	Password string
	// STARTTLS offers STARTTLS with a self-signed certificate.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS bool
	// RequireTLS refuses AUTH and MAIL on an unencrypted session.
	RequireTLS bool
}

// Server is a running SMTP server.
type Server struct {
	opts     Options
	srv      *smtp.Server
	addr     *net.TCPAddr
	roots    *x509.CertPool
	messages notifytest.Recorder[*Message]
	rejected notifytest.Recorder[string]

	mu     sync.Mutex
	script []*smtp.SMTPError
}

// NewServer starts a server that stops when t ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = !opts.RequireTLS
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // a log after the test ends would panic in t.Log

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: cannot listen: %v", err)
	}
	if opts.STARTTLS || opts.ImplicitTLS {
		cfg, err := s.serverTLS()
		if err != nil {
			ln.Close()
			t.Fatalf("smtptest: cannot make a certificate: %v", err)
		}
		if opts.ImplicitTLS {
			ln = tls.NewListener(ln, cfg)
		} else {
			s.srv.TLSConfig = cfg
		}
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(ln) // returns smtp.ErrServerClosed once Close is called
	}()
	t.Cleanup(func() {
		s.srv.Close()
		// Close only reaches listeners Serve has registered; when the test
		// ends before the goroutine got that far, closing our own handle
		// is what makes Serve return.
		ln.Close()
		<-done
	})
	return s
}

func (s *Server) serverTLS() (*tls.Config, error) {
	cert, roots, err := selfSigned()
	if err != nil {
		return nil, err
	}
	s.roots = roots
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// Host is the address to connect to, "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())) }

// ClientTLSConfig returns a client configuration that trusts the server's
// self-signed certificate, or nil when the server has no TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, ServerName: s.Host(), MinVersion: tls.VersionTLS12}
}

// Messages returns the accepted messages, in arrival order.
func (s *Server) Messages() []*Message { return s.messages.All() }

// WaitFor waits until n messages were accepted, or timeout passes.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]*Message, error) {
	return s.messages.WaitFor(n, timeout)
}

// Rejections returns why messages that could not be parsed were refused.
func (s *Server) Rejections() []string { return s.rejected.All() }

// FailNext makes the next n messages be refused at the end of DATA with
// code (4xx temporary, 5xx permanent) and text, as a real server does when
// it cannot take the mail.
func (s *Server) FailNext(n, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cls := code / 100
	for range n {
		s.script = append(s.script, &smtp.SMTPError{
			Code:         code,
			EnhancedCode: smtp.EnhancedCode{cls, 0, 0},
			Message:      text,
		})
	}
}

func (s *Server) nextFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return nil
	}
	err := s.script[0]
	s.script = s.script[1:]
	return err
}

var errTLSRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}

var errUnparseable = errors.New("smtptest: unparseable message")
