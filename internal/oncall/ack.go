package oncall

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// AckFunc acknowledges ref of tenant (an incident, or an alert's
// escalation) on behalf of actor; internal/cli connects it to the desk and
// the outbox.
type AckFunc func(ctx context.Context, tenant, ref, actor string) error

// Signer makes and checks the acknowledgement links of notifications: an
// HMAC over tenant, ref, step and expiry, so a link cannot be forged or
// moved to another incident, and expires.
type Signer struct {
	key  []byte
	base string // the console's external URL
	ttl  time.Duration
	now  func() time.Time
}

// NewSigner returns a Signer with key (at least 32 bytes) whose links start
// with base and live for ttl (default 7 days).
func NewSigner(key []byte, base string, ttl time.Duration) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("oncall: link key must be at least 32 bytes")
	}
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	return &Signer{key: key, base: strings.TrimRight(base, "/"), ttl: ttl, now: time.Now}, nil
}

// Link is what a signed link says.
type Link struct {
	Tenant  string
	Ref     string
	Step    string
	Expires time.Time
}

// ErrLink is returned for a link that is forged, damaged or expired.
var ErrLink = errors.New("oncall: the acknowledgement link is invalid or has expired")

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("unyo ack link v1\x00" + payload))
	return m.Sum(nil)
}

// Token signs the link of ref's step for tenant.
func (s *Signer) Token(tenant, ref, step string) string {
	exp := s.now().Add(s.ttl).Unix()
	payload := strings.Join([]string{tenant, ref, step, strconv.FormatInt(exp, 10)}, "\x00")
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(s.mac(payload))
}

// URL returns the acknowledgement page of ref's step; "" for a ref there
// is nothing to acknowledge of.
func (s *Signer) URL(tenant, ref, step string) string {
	if ref == "" {
		return ""
	}
	return s.base + ackPath + s.Token(tenant, ref, step)
}

// Verify checks token and returns what it says.
func (s *Signer) Verify(token string) (Link, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > 2048 {
		return Link{}, ErrLink
	}
	payload, err1 := enc.DecodeString(p)
	sum, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, s.mac(string(payload))) {
		return Link{}, ErrLink
	}
	f := strings.Split(string(payload), "\x00")
	if len(f) != 4 {
		return Link{}, ErrLink
	}
	exp, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return Link{}, ErrLink
	}
	return Link{Tenant: f[0], Ref: f[1], Step: f[2], Expires: time.Unix(exp, 0).UTC()}, nil
}

// Acknowledge takes the acknowledgement of l once: the first call records
// it and calls ack; later ones (a second click, the link of another step)
// return already true and do nothing.
func (s *Store) Acknowledge(ctx context.Context, l Link, ack AckFunc) (already bool, err error) {
	res, err := database.Writer(s.db).ExecContext(ctx, `INSERT INTO oncall_acks (tenant_id, ref, step, acked_at) VALUES (?,?,?,?) ON CONFLICT (tenant_id, ref) DO NOTHING`,
		l.Tenant, l.Ref, l.Step, s.now().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("oncall: cannot record acknowledgement: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return true, err
	}
	// The claim is committed before ack runs (which writes in its own
	// transaction); should ack fail, the claim is released for a retry.
	if err := ack(ctx, l.Tenant, l.Ref, "ack link"); err != nil {
		if _, derr := database.Writer(s.db).ExecContext(context.WithoutCancel(ctx), `DELETE FROM oncall_acks WHERE tenant_id=? AND ref=?`, l.Tenant, l.Ref); derr != nil {
			err = errors.Join(err, derr)
		}
		return false, err
	}
	return false, nil
}
