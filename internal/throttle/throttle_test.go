package throttle

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// clock is a hand-moved clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newLimiter() (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	return New(DefaultPolicy, c.now), c
}

// guess is what the Authenticator does with a wrong password: check, then
// record the failure only if the check let the attempt through.
func guess(l *Limiter, account, addr string) *Refused {
	if r := l.Check(account, addr); r != nil {
		return r
	}
	l.Fail(account, addr)
	return nil
}

func TestPairBacksOffExponentially(t *testing.T) {
	l, c := newLimiter()
	for i := 1; i < DefaultPolicy.Pair.After; i++ {
		if r := guess(l, "admin", "192.0.2.1:5000"); r != nil {
			t.Fatalf("guess %d refused: %v", i, r)
		}
		if r := l.Check("admin", "192.0.2.1:5000"); r != nil {
			t.Fatalf("after %d failures: %v, want no lock yet", i, r)
		}
	}
	// From the After-th failure on, each failure doubles the wait.
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if r := guess(l, "admin", "192.0.2.1:5001"); r != nil {
			t.Fatalf("guess refused before its lock: %v", r)
		}
		r := l.Check("admin", "192.0.2.1:5002")
		if r == nil || r.Limit != "pair" || r.RetryAfter != want {
			t.Fatalf("after a failure: %+v, want a pair lock of %v", r, want)
		}
		c.add(want)
	}
}

func TestLockIsCappedAndForgotten(t *testing.T) {
	l, c := newLimiter()
	for i := 0; i < 200; i++ {
		guess(l, "admin", "192.0.2.1")
		c.add(DefaultPolicy.Pair.Max) // an attacker who waits out every lock
	}
	if r := guess(l, "admin", "192.0.2.1"); r != nil {
		t.Fatalf("refused after waiting the cap: %v", r)
	}
	if r := l.Check("admin", "192.0.2.1"); r == nil || r.RetryAfter != DefaultPolicy.Pair.Max {
		t.Fatalf("lock after 200 failures = %+v, want the cap %v", r, DefaultPolicy.Pair.Max)
	}
	c.add(DefaultPolicy.Pair.Max + DefaultPolicy.Forget + time.Second)
	for i := 0; i < DefaultPolicy.Pair.After; i++ {
		if r := guess(l, "admin", "192.0.2.1"); r != nil {
			t.Fatalf("an hour later, guess %d refused: %v", i+1, r)
		}
	}
}

func TestAnotherAddressIsNotLockedOutByAnAttacker(t *testing.T) {
	l, c := newLimiter()
	// The admin has signed in from the office before.
	if r := l.Check("admin", "198.51.100.7:40000"); r != nil {
		t.Fatal(r)
	}
	l.Succeed("admin", "198.51.100.7:40000")
	// Many attacking addresses, each with its free guesses, lock the account.
	for a := 0; a < 50; a++ {
		for i := 0; i < DefaultPolicy.Pair.After; i++ {
			guess(l, "admin", "203.0.113."+string(rune('0'+a%10))+string(rune('0'+a/10)))
		}
	}
	// The office is trusted for admin: no lock holds for it.
	if r := l.Check("admin", "198.51.100.7:40001"); r != nil {
		t.Errorf("the admin's usual address is refused: %v", r)
	}
	// A new address waits out the account lock, which is capped.
	r := l.Check("admin", "192.0.2.99")
	if r == nil || r.Limit != "account" || r.RetryAfter > DefaultPolicy.Account.Max {
		t.Fatalf("a new address for a guessed account: %+v, want an account lock of at most %v", r, DefaultPolicy.Account.Max)
	}
	c.add(r.RetryAfter)
	if r := l.Check("admin", "192.0.2.99"); r != nil {
		t.Errorf("after %v the new address is still refused: %v", DefaultPolicy.Account.Max, r)
	}
	// Another account, from an attacking address with free guesses left on
	// the address limit, is not locked.
	if r := l.Check("operator", "192.0.2.98"); r != nil {
		t.Errorf("another account is refused: %v", r)
	}
}

func TestAddressSprayingManyAccountsIsLocked(t *testing.T) {
	l, _ := newLimiter()
	for i := 0; i < DefaultPolicy.Address.After; i++ {
		if r := guess(l, "user"+string(rune('a'+i)), "2001:db8:1:2::1"); r != nil {
			t.Fatalf("guess %d refused: %v", i+1, r)
		}
	}
	guess(l, "one-more", "2001:db8:1:2::1")
	// Another host of the same /64 is the same source.
	if r := l.Check("fresh-account", "[2001:db8:1:2:ffff::9]:443"); r == nil || r.Limit != "address" {
		t.Errorf("spraying from one /64: %+v, want an address lock", r)
	}
	if r := l.Check("fresh-account", "2001:db8:1:3::1"); r != nil {
		t.Errorf("another /64 is refused: %v", r)
	}
}

func TestSuccessResetsThePairButNotTheAddress(t *testing.T) {
	l, _ := newLimiter()
	for i := 0; i < 4; i++ {
		guess(l, "Alice", "192.0.2.1")
	}
	l.Succeed("alice", "192.0.2.1")
	for i := 0; i < DefaultPolicy.Pair.After; i++ {
		if r := guess(l, "alice ", "192.0.2.1"); r != nil {
			t.Fatalf("after a sign-in, guess %d refused: %v", i+1, r)
		}
	}
	if r := l.Check("ALICE", "192.0.2.1"); r == nil {
		t.Error("case and spaces made a new account for the limiter")
	}
}

func TestCounters(t *testing.T) {
	l, _ := newLimiter()
	reg := prometheus.NewRegistry()
	reg.MustRegister(l)
	for i := 0; i < 10; i++ {
		guess(l, "admin", "192.0.2.1")
	}
	if got := testutil.ToFloat64(l.failures); got != float64(DefaultPolicy.Pair.After) {
		t.Errorf("failures = %v, want %d", got, DefaultPolicy.Pair.After)
	}
	if got := testutil.ToFloat64(l.throttled.WithLabelValues("pair")); got != float64(10-DefaultPolicy.Pair.After) {
		t.Errorf("throttled = %v, want %d", got, 10-DefaultPolicy.Pair.After)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() != "limit" {
					t.Errorf("%s carries label %q: no tenant, account or address may be exported", mf.GetName(), lp.GetName())
				}
			}
		}
	}
}

func TestTablesAreBounded(t *testing.T) {
	p := DefaultPolicy
	p.MaxKeys = 100
	l := New(p, (&clock{t: time.Unix(0, 0)}).now)
	for i := 0; i < 1000; i++ {
		l.Fail(strings.Repeat("x", i%300)+string(rune(i)), "192.0.2.1")
	}
	if len(l.pairs) > 100 || len(l.accounts) > 100 {
		t.Errorf("tables grew to %d pairs, %d accounts; bound 100", len(l.pairs), len(l.accounts))
	}
}

func FuzzAddressKey(f *testing.F) {
	for _, s := range []string{"192.0.2.1:80", "[2001:db8::1]:443", "::ffff:192.0.2.1", "fe80::1%eth0", "", "x:y:z", "[::1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := AddressKey(s)
		// A port never makes a new source.
		if ap, err := netip.ParseAddrPort(s); err == nil {
			if want := AddressKey(ap.Addr().String()); k != want {
				t.Fatalf("AddressKey(%q) = %q, but its address alone gives %q", s, k, want)
			}
		}
	})
}

func TestFailReportsTheLockItStarts(t *testing.T) {
	l, _ := newLimiter()
	for i := 1; i < DefaultPolicy.Pair.After; i++ {
		if lock := l.Fail("admin", "192.0.2.1"); lock != nil {
			t.Fatalf("failure %d started a lock: %+v", i, lock)
		}
	}
	if lock := l.Fail("admin", "192.0.2.1"); lock == nil || lock.Limit != "pair" || lock.RetryAfter != DefaultPolicy.Pair.Base {
		t.Errorf("failure %d: lock %+v, want a pair lock of %v", DefaultPolicy.Pair.After, lock, DefaultPolicy.Pair.Base)
	}
}

func TestSuccessKeepsTheAccountCount(t *testing.T) {
	l, _ := newLimiter()
	for a := 0; a < DefaultPolicy.Account.After; a++ {
		l.Fail("admin", "203.0.113."+strconv.Itoa(a+1))
	}
	l.Succeed("admin", "198.51.100.7")
	if r := l.Check("admin", "192.0.2.200"); r == nil || r.Limit != "account" {
		t.Errorf("a new address after the admin's sign-in: %+v, want the account lock still held", r)
	}
	if r := l.Check("admin", "198.51.100.7"); r != nil {
		t.Errorf("the address the admin signed in from: %v, want no lock", r)
	}
}
