// Package psk is the client side of Zabbix's TLS with a pre-shared key
// (an agent's TLSAccept=psk): a TLS 1.3 or 1.2 handshake in which the
// agent and unyo prove to each other that they hold the same key, named
// by an identity, with no certificate.
//
// Go's crypto/tls has no PSK cipher suites, so the handshake and the
// records are OpenSSL's, through cgo, as Zabbix agent 2 itself links it
// (conn_cgo.go). A build without cgo compiles and refuses every PSK
// connection with ErrNoCgo. The cipher choice is the Zabbix server's
// default: TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256 or
// TLS_AES_128_GCM_SHA256, TLS 1.2 with kECDHEPSK+AES128:kPSK+AES128, so
// that an agent of 3.0 (TLS 1.2 only) to 7.x agrees with unyo as with its
// own server.
package psk

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The bounds Zabbix sets on the settings (the frontend's and the agent's
// checks): an identity of up to 128 bytes of UTF-8, a key of 16 to 256
// bytes written as 32 to 512 hex digits.
const (
	MaxIdentity  = 128
	MinKeyDigits = 32
	MaxKeyDigits = 512
)

// ErrNoCgo is what every PSK connection of a build without cgo fails with.
var ErrNoCgo = errors.New("this build has no cgo: TLS-PSK needs unyo built with cgo and OpenSSL (docs/migrating-from-zabbix.md)")

// ErrHandshake wraps every failed handshake: a wrong identity or key, an
// agent that does not accept PSK, or one that is not a TLS peer at all.
var ErrHandshake = errors.New("PSK handshake failed")

// Key is an identity and its pre-shared key, as an agent's TLSPSKIdentity
// and TLSPSKFile hold them.
type Key struct {
	Identity string
	Secret   []byte // the key itself: the hex of the PSK file, decoded
}

// CheckIdentity reports what is wrong with a PSK identity, or nil.
func CheckIdentity(id string) error {
	switch {
	case id == "":
		return errors.New("is required with TLS-PSK: the agent's TLSPSKIdentity")
	case len(id) > MaxIdentity:
		return fmt.Errorf("is %d bytes: at most %d", len(id), MaxIdentity)
	case !utf8.ValidString(id):
		return errors.New("is not UTF-8")
	case strings.ContainsRune(id, 0):
		return errors.New("holds a NUL byte")
	}
	return nil
}

// ParseKey decodes a key written as the agent's TLSPSKFile holds it: an
// even number of hex digits, 32 to 512 of them. Surrounding white space
// (the file's newline) is ignored. The error never repeats the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) < MinKeyDigits || len(s) > MaxKeyDigits {
		return nil, fmt.Errorf("must be %d to %d hex digits (the content of the agent's TLSPSKFile), not %d characters", MinKeyDigits, MaxKeyDigits, len(s))
	}
	if len(s)%2 != 0 {
		return nil, errors.New("must be an even number of hex digits (the content of the agent's TLSPSKFile)")
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("must be hex digits only (0-9, a-f), as the agent's TLSPSKFile holds it")
	}
	return b, nil
}

// check refuses a key OpenSSL would be handed out of bounds.
func (k Key) check() error {
	if err := CheckIdentity(k.Identity); err != nil {
		return fmt.Errorf("psk: identity %w", err)
	}
	if len(k.Secret) < MinKeyDigits/2 || len(k.Secret) > MaxKeyDigits/2 {
		return fmt.Errorf("psk: a key of %d bytes: it must be %d to %d", len(k.Secret), MinKeyDigits/2, MaxKeyDigits/2)
	}
	return nil
}

// State is what a handshake agreed on.
type State struct {
	Version string // TLSv1.3 or TLSv1.2
	Cipher  string // OpenSSL's name, e.g. TLS_AES_128_GCM_SHA256 or ECDHE-PSK-AES128-CBC-SHA256
}

// hint adds to OpenSSL's reason for a failed handshake what a user checks.
func hint(reason string) string {
	switch {
	case strings.Contains(reason, "alert") || strings.Contains(reason, "bad record mac") || strings.Contains(reason, "decrypt"):
		return ": check the identity and key against the agent's TLSPSKIdentity and TLSPSKFile"
	case strings.Contains(reason, "wrong version number") || strings.Contains(reason, "packet length") || strings.Contains(reason, "record layer"):
		return ": the agent does not answer in TLS (its TLSAccept is unencrypted?)"
	}
	return ""
}
