package email

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// classify marks err permanent when trying again cannot help: the server
// answered 5xx, or the server and the configuration disagree on TLS or
// AUTH, or the outbound policy refuses the server's address (the server
// admin must allow it; a retry by hand follows). Everything else (4xx, refused or dropped connections, time-outs)
// is left retryable.
func classify(err error) error {
	if code := replyCode(err); code >= 400 {
		if code >= 500 {
			return notify.Permanent(err)
		}
		return err
	}
	if isMismatch(err) || outbound.IsRefused(err) {
		return notify.Permanent(err)
	}
	return err
}

// replyCode finds the SMTP reply code in err, or 0. go-mail's SendError
// marks only 4xx replies temporary and counts a dropped connection as
// permanent, so the code is read instead of IsTemp.
func replyCode(err error) int {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func isMismatch(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname),
		errors.As(err, &invalidCert), errors.As(err, &verify):
		return true
	case errors.Is(err, gomail.ErrPlainAuthNotSupported), errors.Is(err, gomail.ErrLoginAuthNotSupported),
		errors.Is(err, gosmtp.ErrUnencrypted), errors.Is(err, gosmtp.ErrWrongHostname):
		return true
	}
	// go-mail reports these with fmt.Errorf and no sentinel; the email
	// tests pin the wording so an upgrade that changes it fails there.
	msg := err.Error()
	return strings.Contains(msg, "does not support STARTTLS") ||
		strings.Contains(msg, "server does not support SMTP AUTH")
}
