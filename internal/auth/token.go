package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// TokenPrefix starts every unyo API token, so secret scanners and people can recognise one.
const TokenPrefix = "unyo_"

// NewToken returns a new token secret and the hash to store for it.
func NewToken() (secret string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret. The secret carries 256
// random bits, so a fast hash is enough: there is nothing to guess.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// IsToken reports whether s looks like a unyo token.
func IsToken(s string) bool { return strings.HasPrefix(s, TokenPrefix) }

// DisplayPrefix is the part of a secret shown in listings.
func DisplayPrefix(secret string) string {
	if len(secret) < len(TokenPrefix)+6 {
		return secret
	}
	return secret[:len(TokenPrefix)+6]
}
