// Package secret seals secrets (webhook URLs, SMTP passwords, HMAC keys)
// with AES-256-GCM before they are stored, so a copy of the database alone
// reveals none of them. The key lives in a file of the data directory,
// created 0600 on first start, or is given from outside it (a key file the
// administrator keeps, or UNYO_SECRET_KEY).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value, so the format can change later
// without guessing what an old row holds.
const version byte = 1

// ErrOpen is returned for a sealed value that does not open with the key:
// tampered, truncated or sealed with another key.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong key or corrupted)")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead   cipher.AEAD
	derive []byte // HMAC key for Derive, itself derived: never the sealing key
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unyo derive v1"))
	return &Box{aead: aead, derive: m.Sum(nil)}, nil
}

// Derive returns a 32-byte key for purpose (e.g. "oncall ack links"),
// stable for the box's key and independent for each purpose, so signing
// keys need no key file of their own.
func (b *Box) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, b.derive)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Seal encrypts plaintext. ad (e.g. "tenant/channel") is authenticated but
// not stored: a sealed value copied to another row does not open there.
func (b *Box) Seal(plaintext, ad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, ad)
}

// Open decrypts a value made by Seal with the same ad.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// LogValue keeps the key out of logs even if a Box is logged by mistake.
func (b *Box) LogValue() slog.Value { return slog.StringValue("secret.Box{…}") }

// ParseKey reads a key written as 64 hex digits or as standard or URL-safe
// base64 (with or without padding) of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secret: key must be %d bytes as 64 hex digits or base64", KeySize)
}

// ReadKeyFile returns the key in the file at path, which must exist: a key
// the administrator keeps outside the data directory is never made here.
// The error never contains the key.
func ReadKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: cannot read key file: %w", err)
	}
	k, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %q: %w", path, err)
	}
	return k, nil
}

// LoadKey returns the key from env (when not empty) or from the file at
// path, creating that file with a new random key, mode 0600, when it does
// not exist. The error never contains the key.
func LoadKey(env, path string) ([]byte, error) {
	if env != "" {
		k, err := ParseKey(env)
		if err != nil {
			return nil, fmt.Errorf("UNYO_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	data, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(data))
		if err != nil {
			return nil, fmt.Errorf("key file %q: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret: cannot read key file: %w", err)
	}
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	// O_EXCL: two servers started at once on one data directory must not
	// each write a key and seal with different ones.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKey("", path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: cannot create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: cannot write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: cannot write key file: %w", err)
	}
	return k, f.Close()
}
