package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/textproto"
	"strconv"

	"github.com/unyo-ops/unyo/internal/outbound"
)

// Failure is why a delivery failed, in terms fit to show whoever asked for
// it: a kind and an HTTP or SMTP status, never the destination's own words.
// A tenant's write token must not read an internal server's answer through
// the test message, so the answer body stays in the server's log.
type Failure struct {
	Kind   FailureKind `json:"reason_code"`
	Status int         `json:"status,omitempty"` // HTTP status or SMTP reply code, when there was an answer
}

// FailureKind names a class of failed delivery.
type FailureKind string

// Kinds of failure.
const (
	FailRefusedAddress FailureKind = "refused_address" // the outbound policy refused the destination's address
	FailStatus         FailureKind = "status"          // the destination answered with a failure status
	FailTimeout        FailureKind = "timeout"         // no answer in time
	FailTLS            FailureKind = "tls"             // no trusted TLS session
	FailUnreachable    FailureKind = "unreachable"     // no connection
	FailOther          FailureKind = "failed"          // anything else; the server log has the detail
)

// Describe classifies err; nil gives the zero Failure.
func Describe(err error) Failure {
	var (
		se  *StatusError
		te  *textproto.Error
		ne  net.Error
		oe  *net.OpError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ce  x509.CertificateInvalidError
		ve  *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
	)
	switch {
	case err == nil:
		return Failure{}
	case outbound.IsRefused(err):
		return Failure{Kind: FailRefusedAddress}
	case errors.As(err, &se):
		return Failure{Kind: FailStatus, Status: se.StatusCode}
	case errors.As(err, &te):
		return Failure{Kind: FailStatus, Status: te.Code}
	case errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ce), errors.As(err, &ve), errors.As(err, &rhe):
		return Failure{Kind: FailTLS}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return Failure{Kind: FailTimeout}
	case errors.As(err, &oe) && oe.Op == "dial":
		return Failure{Kind: FailUnreachable}
	}
	if code := smtpCode(err); code != 0 {
		return Failure{Kind: FailStatus, Status: code}
	}
	return Failure{Kind: FailOther}
}

// smtpCode finds an SMTP reply code in an error that carries one through
// an ErrorCode method (go-mail's SendError), or 0.
func smtpCode(err error) int {
	var c interface{ ErrorCode() int }
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return 0
}

// Reason is the English sentence for f.
func (f Failure) Reason() string {
	switch f.Kind {
	case FailRefusedAddress:
		return "the destination's address is internal, and the server's outbound policy refuses it"
	case FailStatus:
		return "the destination refused the message with status " + strconv.Itoa(f.Status)
	case FailTimeout:
		return "the destination did not answer in time"
	case FailTLS:
		return "no trusted TLS session could be made with the destination"
	case FailUnreachable:
		return "the destination could not be reached"
	case "":
		return ""
	}
	return "the message was not delivered; the server log has the detail"
}
