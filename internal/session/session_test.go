package session

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

func newDB(t *testing.T) (*sql.DB, int64) {
	t.Helper()
	db, err := database.Open(context.Background(), dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &model.User{Login: "alice", Role: model.RoleAdmin, PasswordHash: "x"}
	u.Normalize()
	if err := storage.New(db).CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return db, u.ID
}

// withCookies returns a request carrying the cookies w set.
func withCookies(w *httptest.ResponseRecorder, r *http.Request) *http.Request {
	for _, c := range w.Result().Cookies() {
		if c.MaxAge >= 0 {
			r.AddCookie(c)
		}
	}
	return r
}

func TestStartLoadEnd(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{})
	w := httptest.NewRecorder()
	s, err := m.Start(context.Background(), w, httptest.NewRequest("POST", "/login", nil), uid)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
	}
	var stored []byte
	db.QueryRow(`SELECT id_hash FROM sessions`).Scan(&stored)
	if strings.Contains(string(stored), c.Value) {
		t.Error("the session ID is stored in clear")
	}
	r := withCookies(w, httptest.NewRequest("GET", "/board", nil))
	got, err := m.Load(r)
	if err != nil || got.UserID != uid || got.CSRF != s.CSRF || got.CSRF == "" {
		t.Fatalf("Load = %+v, %v; want user %d with CSRF %q", got, err, uid, s.CSRF)
	}
	w2 := httptest.NewRecorder()
	if err := m.End(w2, r); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(r); err != ErrNoSession {
		t.Errorf("Load after End = %v, want ErrNoSession", err)
	}
	if c := w2.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("End cookies = %+v, want the cookie cleared", c)
	}
}

func TestExpiredAndForeignSessionsAreRefused(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{TTL: time.Hour})
	w := httptest.NewRecorder()
	if _, err := m.Start(context.Background(), w, httptest.NewRequest("POST", "/login", nil), uid); err != nil {
		t.Fatal(err)
	}
	r := withCookies(w, httptest.NewRequest("GET", "/", nil))
	m.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := m.Load(r); err != ErrNoSession {
		t.Errorf("expired session: %v, want ErrNoSession", err)
	}
	if n, err := m.Prune(context.Background()); err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want 1", n, err)
	}
	forged := httptest.NewRequest("GET", "/", nil)
	forged.AddCookie(&http.Cookie{Name: "unyo_session", Value: randomID()})
	if _, err := m.Load(forged); err != ErrNoSession {
		t.Errorf("forged session: %v, want ErrNoSession", err)
	}
}

func TestSecureBehindHTTPS(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{})
	r := httptest.NewRequest("POST", "/login", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	w := httptest.NewRecorder()
	if _, err := m.Start(context.Background(), w, r, uid); err != nil {
		t.Fatal(err)
	}
	if c := w.Result().Cookies()[0]; !c.Secure {
		t.Errorf("cookie behind https proxy = %+v, want Secure", c)
	}
}

func TestEndUserEndsEverySession(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{})
	var reqs []*http.Request
	for range 2 {
		w := httptest.NewRecorder()
		m.Start(context.Background(), w, httptest.NewRequest("POST", "/login", nil), uid)
		reqs = append(reqs, withCookies(w, httptest.NewRequest("GET", "/", nil)))
	}
	if err := m.EndUser(context.Background(), uid); err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		if _, err := m.Load(r); err != ErrNoSession {
			t.Errorf("session %d after EndUser: %v", i, err)
		}
	}
}

func post(form url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestCSRF(t *testing.T) {
	s := &Session{CSRF: "token-of-this-session"}
	if err := CheckCSRF(post(url.Values{CSRFField: {"token-of-this-session"}}), s); err != nil {
		t.Errorf("right token: %v", err)
	}
	for _, v := range []string{"", "token-of-another-session"} {
		if err := CheckCSRF(post(url.Values{CSRFField: {v}}), s); err != ErrCSRF {
			t.Errorf("token %q: %v, want ErrCSRF", v, err)
		}
	}
}

func TestFormToken(t *testing.T) {
	db, _ := newDB(t)
	m := New(db, Options{})
	w := httptest.NewRecorder()
	tok := m.FormToken(w, httptest.NewRequest("GET", "/login", nil))
	ok := withCookies(w, post(url.Values{CSRFField: {tok}}))
	if err := CheckFormToken(ok); err != nil {
		t.Errorf("matching form token: %v", err)
	}
	if got := m.FormToken(httptest.NewRecorder(), ok); got != tok {
		t.Errorf("FormToken changed on a browser that has one: %q, want %q", got, tok)
	}
	bad := withCookies(w, post(url.Values{CSRFField: {"other"}}))
	if err := CheckFormToken(bad); err != ErrCSRF {
		t.Errorf("wrong form token: %v, want ErrCSRF", err)
	}
	if err := CheckFormToken(post(url.Values{CSRFField: {tok}})); err != ErrCSRF {
		t.Errorf("form token without cookie: %v, want ErrCSRF", err)
	}
}

func TestStartReplacesThePreviousSession(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{})
	w := httptest.NewRecorder()
	m.Start(context.Background(), w, httptest.NewRequest("POST", "/login", nil), uid)
	old := withCookies(w, httptest.NewRequest("POST", "/login", nil))
	w2 := httptest.NewRecorder()
	if _, err := m.Start(context.Background(), w2, old, uid); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(old); err != ErrNoSession {
		t.Errorf("the session from before login still works: %v", err)
	}
	if _, err := m.Load(withCookies(w2, httptest.NewRequest("GET", "/", nil))); err != nil {
		t.Errorf("the new session: %v", err)
	}
	if cs := w2.Result().Cookies(); len(cs) != 1 {
		t.Errorf("Start set %d cookies, want 1", len(cs))
	}
}

// TestPasswordChangeAndDisableEndSessions: the user store ends a user's
// sessions when the password changes or the user is disabled, and only then.
func TestPasswordChangeAndDisableEndSessions(t *testing.T) {
	db, uid := newDB(t)
	m := New(db, Options{})
	store := storage.New(db)
	ctx := context.Background()
	start := func() *http.Request {
		t.Helper()
		w := httptest.NewRecorder()
		if _, err := m.Start(ctx, w, httptest.NewRequest("POST", "/login", nil), uid); err != nil {
			t.Fatal(err)
		}
		return withCookies(w, httptest.NewRequest("GET", "/board", nil))
	}
	alive := func(r *http.Request) bool {
		_, err := m.Load(r)
		return err == nil
	}
	update := func(change func(u *model.User)) {
		t.Helper()
		u, err := store.User(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		change(u)
		if err := store.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	laptop, phone := start(), start()
	update(func(u *model.User) { u.Language = "en" })
	if !alive(laptop) || !alive(phone) {
		t.Fatal("a change of language ended sessions")
	}
	update(func(u *model.User) { u.PasswordHash = "new-hash" })
	if alive(laptop) || alive(phone) {
		t.Error("sessions survived a password change")
	}

	laptop = start()
	update(func(u *model.User) { u.Disabled = true })
	update(func(u *model.User) { u.Disabled = false })
	if alive(laptop) {
		t.Error("a session survived disabling the user, and came back on enabling")
	}
}
