// Package session keeps console logins server-side in SQLite. The browser
// holds only a random session ID in an HttpOnly cookie; the database holds
// only its hash, so neither a stolen database nor a log line can log anyone in.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// ErrNoSession means the request carries no valid, unexpired session.
var ErrNoSession = errors.New("session: no valid session")

// ErrCSRF means a form POST did not carry the token of its session.
var ErrCSRF = errors.New("session: missing or wrong CSRF token")

// CSRFField is the name of the hidden form field that carries the CSRF token.
const CSRFField = "csrf_token"

// Options configure the Manager.
type Options struct {
	TTL    time.Duration // how long a login lasts; 12h when zero (a working day)
	Cookie string        // cookie name; "unyo_session" when empty
	// Secure forces the Secure cookie attribute even on plain HTTP, for a
	// deployment whose TLS proxy does not send X-Forwarded-Proto.
	Secure bool
}

// Manager creates, loads and ends sessions.
type Manager struct {
	db   *sql.DB
	opts Options
	now  func() time.Time
}

// Session is one logged-in browser.
type Session struct {
	UserID    int64
	ExpiresAt time.Time
	// CSRF is the token every form of this session must send back in CSRFField.
	CSRF string
}

// New returns a Manager over a migrated database.
func New(db *sql.DB, opts Options) *Manager {
	if opts.TTL == 0 {
		opts.TTL = 12 * time.Hour
	}
	if opts.Cookie == "" {
		opts.Cookie = "unyo_session"
	}
	return &Manager{db: db, opts: opts, now: time.Now}
}

// Start creates a session for userID and sets its cookie on w. Any session
// the browser had before is ended, so a planted session ID cannot be kept.
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64) (*Session, error) {
	if c, err := r.Cookie(m.opts.Cookie); err == nil && c.Value != "" {
		if _, err := database.Writer(m.db).ExecContext(ctx, `DELETE FROM sessions WHERE id_hash=?`, hash(c.Value)); err != nil {
			return nil, fmt.Errorf("session: cannot end the previous session: %w", err)
		}
	}
	id := randomID()
	now := m.now()
	exp := now.Add(m.opts.TTL)
	_, err := database.Writer(m.db).ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)`,
		hash(id), userID, now.UnixMilli(), exp.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("session: cannot create: %w", err)
	}
	http.SetCookie(w, m.cookie(r, id, exp))
	return &Session{UserID: userID, ExpiresAt: exp, CSRF: csrfFor(id)}, nil
}

// Load returns the request's session, or ErrNoSession.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.opts.Cookie)
	if err != nil || c.Value == "" {
		return nil, ErrNoSession
	}
	var userID, exp int64
	err = m.db.QueryRowContext(r.Context(), `SELECT user_id, expires_at FROM sessions WHERE id_hash=?`, hash(c.Value)).Scan(&userID, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("session: cannot load: %w", err)
	}
	if !m.now().Before(time.UnixMilli(exp)) {
		return nil, ErrNoSession
	}
	return &Session{UserID: userID, ExpiresAt: time.UnixMilli(exp), CSRF: csrfFor(c.Value)}, nil
}

// End deletes the request's session, if any, and clears its cookie.
func (m *Manager) End(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(m.opts.Cookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, m.cookie(r, "", time.Unix(0, 0)))
	if _, err := database.Writer(m.db).ExecContext(r.Context(), `DELETE FROM sessions WHERE id_hash=?`, hash(c.Value)); err != nil {
		return fmt.Errorf("session: cannot end: %w", err)
	}
	return nil
}

// EndUser ends every session of a user, e.g. when the user is disabled.
func (m *Manager) EndUser(ctx context.Context, userID int64) error {
	if _, err := database.Writer(m.db).ExecContext(ctx, `DELETE FROM sessions WHERE user_id=?`, userID); err != nil {
		return fmt.Errorf("session: cannot end sessions of user %d: %w", userID, err)
	}
	return nil
}

// Prune deletes expired sessions and returns how many there were.
func (m *Manager) Prune(ctx context.Context) (int64, error) {
	res, err := database.Writer(m.db).ExecContext(ctx, `DELETE FROM sessions WHERE expires_at<=?`, m.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("session: cannot prune: %w", err)
	}
	return res.RowsAffected()
}

// CheckCSRF verifies the CSRF token of a form POST against its session.
func CheckCSRF(r *http.Request, s *Session) error {
	if s == nil || !equal(r.PostFormValue(CSRFField), s.CSRF) {
		return ErrCSRF
	}
	return nil
}

// Secure reports whether the request reached us over TLS, directly or
// through a proxy that says so.
func Secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func (m *Manager) cookie(r *http.Request, value string, exp time.Time) *http.Cookie {
	c := &http.Cookie{Name: m.opts.Cookie, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.opts.Secure || Secure(r)}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = exp
	}
	return c
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// csrfFor derives the CSRF token from the session ID, so it need not be
// stored, and a different domain separator keeps it from revealing the ID.
func csrfFor(id string) string {
	h := sha256.Sum256([]byte("unyo-csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
