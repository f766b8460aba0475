package check

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
	"unicode/utf8"
)

// maxReason bounds the reason label: it is a label value, and an alert's text.
const maxReason = 120

// Reason is why a check failed, in a few words a reader recognises
// ("connection refused", "timeout", "status 503, want 2xx"). It becomes a
// label value, so it never carries what changes at every run (times, ports
// of the local side): errors known to do so are named by their kind.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var (
		dnsErr   *net.DNSError
		invalid  x509.CertificateInvalidError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timeout"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "name not found: " + clip(dnsErr.Name)
		}
		return "name not resolved: " + clip(dnsErr.Err)
	case errors.As(err, &invalid):
		switch invalid.Reason {
		case x509.Expired:
			return "certificate expired or not yet valid"
		case x509.NameMismatch, x509.NameConstraintsWithoutSANs:
			return "certificate name mismatch"
		}
		return "certificate not valid"
	case errors.As(err, &unknown):
		return "certificate signed by an unknown authority"
	case errors.As(err, &hostname):
		return "certificate not valid for " + clip(hostname.Host)
	}
	// The innermost error is the cause without the addresses each layer
	// adds ("dial tcp 127.0.0.1:80: connect: ..."); errors of the checks
	// themselves (status, body) are innermost already.
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return clip(err.Error())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// clip cuts s to maxReason bytes on a rune boundary, on one line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
