package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	HeaderSignature      = "X-Unyo-Signature"
	HeaderTimestamp      = "X-Unyo-Timestamp"
	HeaderIdempotencyKey = "X-Unyo-Idempotency-Key"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

const signaturePrefix = "sha256="

// Errors returned by Verify.
var (
	ErrNoSecret          = errors.New("webhook: no secret to verify with")
	ErrMalformed         = errors.New("webhook: malformed signature or timestamp")
	ErrSignatureMismatch = errors.New("webhook: signature does not match")
	ErrStale             = errors.New("webhook: timestamp outside tolerance")
)

// Sign returns the X-Unyo-Signature value for body sent at timestamp (Unix
// seconds): "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>".
// The timestamp is signed so that a captured request cannot be replayed
// later with a fresh X-Unyo-Timestamp.
func Sign(secret []byte, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received request: header is X-Unyo-Signature, timestamp
// is X-Unyo-Timestamp, body the raw request body. It fails unless the
// signature is the HMAC of timestamp and body under secret and the
// timestamp is within tolerance of now (DefaultTolerance when tolerance is
// not positive). The comparison takes constant time.
func Verify(secret []byte, header, timestamp string, body []byte, tolerance time.Duration) error {
	return verifyAt(secret, header, timestamp, body, tolerance, time.Now())
}

func verifyAt(secret []byte, header, timestamp string, body []byte, tolerance time.Duration, now time.Time) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	ts, ok := parseTimestamp(timestamp)
	if !ok {
		return ErrMalformed
	}
	hexSig, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrMalformed
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrMalformed
	}
	// Check the MAC before the clock, so a forger learns nothing about
	// the tolerance from which error comes back.
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// parseTimestamp accepts only what Sign produces: decimal digits without
// sign or padding, so that one signature has one spelling.
func parseTimestamp(s string) (int64, bool) {
	if s == "" || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	return ts, err == nil
}
