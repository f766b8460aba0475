package logwatch

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// combined is an nginx/Apache combined log line of client ip with
// session cookie sess ("-" for none) logged as the last quoted field.
func combined(ip, sess string, at time.Time, status int) string {
	return fmt.Sprintf(`%s - - [%s] "GET /shop/cart HTTP/1.1" %d 5123 "https://shop.example.jp/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" "JSESSIONID=%s; lang=ja"`+"\n",
		ip, at.Format("02/Jan/2006:15:04:05 -0700"), status, sess)
}

// TestUniqueClientsOfAnAccessLog reads a real-shaped combined access log
// over two hours and across a day's end in Asia/Tokyo: the distinct
// client addresses and JSESSIONID cookies are counted per hour (UTC
// hours) and per Tokyo day, each window's final count given once, at its
// last millisecond, when it has ended.
func TestUniqueClientsOfAnAccessLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	write(t, path, "")
	clock := newClock()
	clock.t = time.Date(2026, 12, 6, 14, 10, 0, 0, time.UTC) // 23:10 in Tokyo
	cfg := Config{Item: "shop-access", Glob: filepath.Join(dir, "access*.log"), StartAt: StartBeginning,
		Patterns:    []Pattern{{Name: "5xx", Regexp: `" 5\d\d `, Severity: SeverityWarning}},
		ClientField: FieldRemoteAddr, SessionField: "cookie:JSESSIONID", ClientZone: "Asia/Tokyo"}
	h := start(t, []Config{cfg}, filepath.Join(dir, "pos.json"), WithClock(clock.now))
	h.poll()

	// 14:10 UTC: three clients, one of them twice, four sessions ("-" is none).
	write(t, path, combined("203.0.113.10", "A1", clock.now(), 200)+combined("203.0.113.11", "B2", clock.now(), 200)+
		combined("203.0.113.10", "A1", clock.now(), 500)+combined("198.51.100.7", "C3", clock.now(), 200)+
		combined("198.51.100.7", "D4", clock.now(), 304)+combined("198.51.100.8", "-", clock.now(), 200))
	h.expect(strings.TrimSuffix(combined("203.0.113.10", "A1", clock.now(), 500), "\n"))
	f := func(now time.Time, want string) {
		t.Helper()
		var got []string
		for _, u := range h.w.UniqueCounts(now) {
			s := fmt.Sprintf("%s/%s %s=%d@%s", u.What, u.Window, u.Field, u.Value, u.At.UTC().Format("15:04:05.000"))
			if u.Final {
				s += " final"
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "; "); g != want {
			t.Fatalf("at %s:\n got  %s\n want %s", now.Format("15:04"), g, want)
		}
	}
	f(clock.now(), "clients/hour remote_addr=4@14:10:00.000; clients/day remote_addr=4@14:10:00.000; sessions/hour cookie:JSESSIONID=4@14:10:00.000; sessions/day cookie:JSESSIONID=4@14:10:00.000")

	// 15:05 UTC (00:05 in Tokyo): a new hour and a new day; one client
	// came back, one is new.
	clock.advance(55 * time.Minute)
	write(t, path, combined("203.0.113.11", "B2", clock.now(), 200)+combined("192.0.2.99", "E5", clock.now(), 200))
	h.poll()
	f(clock.now(), "clients/hour remote_addr=4@14:59:59.999 final; clients/day remote_addr=4@14:59:59.999 final; "+
		"sessions/hour cookie:JSESSIONID=4@14:59:59.999 final; sessions/day cookie:JSESSIONID=4@14:59:59.999 final; "+
		"clients/hour remote_addr=2@15:05:00.000; clients/day remote_addr=2@15:05:00.000; sessions/hour cookie:JSESSIONID=2@15:05:00.000; sessions/day cookie:JSESSIONID=2@15:05:00.000")

	// 16:30 UTC, nothing read since: the hour ends with its 2, the day
	// goes on with its 2 (a final is given once).
	clock.advance(85 * time.Minute)
	write(t, path, combined("203.0.113.11", "B2", clock.now(), 200))
	h.poll()
	f(clock.now(), "clients/hour remote_addr=2@15:59:59.999 final; sessions/hour cookie:JSESSIONID=2@15:59:59.999 final; "+
		"clients/hour remote_addr=1@16:30:00.000; clients/day remote_addr=2@16:30:00.000; sessions/hour cookie:JSESSIONID=1@16:30:00.000; sessions/day cookie:JSESSIONID=2@16:30:00.000")
}

func TestClientFields(t *testing.T) {
	f := func(spec, line, want string, ok bool) {
		t.Helper()
		take, err := compileField(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		got, good := take([]byte(line))
		if good != ok || string(got) != want {
			t.Errorf("%s on %q: %q %v, want %q %v", spec, line, got, good, want, ok)
		}
	}
	nginx := `2001:db8::7 - alice [06/Dec/2026:23:10:00 +0900] "GET / HTTP/2.0" 200 612 "-" "curl/8.5.0" "sid=xyz; JSESSIONID=8F2A"`
	f("", nginx, "2001:db8::7", true)
	f("remote_addr", "- - - [x]", "", false)
	f("cookie:JSESSIONID", nginx, "8F2A", true)
	f("cookie:sid", nginx, "xyz", true)
	f("cookie:id", nginx, "", false) // not the tail of sid=
	f(`re:"(?P<client>[0-9.]+)"$`, `10.0.0.1 - - [x] "GET /" 200 1 "-" "ua" "198.51.100.20"`, "198.51.100.20", true)
	f(`re:user=(\w+)`, `a user=bob b`, "bob", true)
	f("json:client.ip", `{"time":"2026-12-06T14:10:00Z","client":{"ip":"203.0.113.5"},"status":200}`, "203.0.113.5", true)
	f("json:remote_addr", `{"remote_addr":"-"}`, "", false)
	f("json:remote_addr", `not json`, "", false)
	for _, bad := range []string{"header:X-Forwarded-For", "re:(", "re:no group", "json:", "cookie:a=b"} {
		if _, err := compileField(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := (Config{Item: "x", Glob: "/var/log/a.log", Patterns: []Pattern{{Name: "p", Regexp: "x", Severity: SeverityInfo}}, ClientField: "re:(", ClientZone: "Asia/Tokyo"}).Validate(); err == nil || !strings.Contains(err.Error(), "client_field") {
		t.Errorf("a bad client field: %v", err)
	}
	if err := (Config{Item: "x", Glob: "/var/log/a.log", Patterns: []Pattern{{Name: "p", Regexp: "x", Severity: SeverityInfo}}, ClientField: "remote_addr", ClientZone: "Mars/Olympus"}).Validate(); err == nil || !strings.Contains(err.Error(), "client_zone") {
		t.Errorf("a bad zone: %v", err)
	}
}

// FuzzClientField: no field spec and line panics, and a value taken is
// never empty and is part of the line.
func FuzzClientField(f *testing.F) {
	f.Add("remote_addr", `203.0.113.10 - - [06/Dec/2026:23:10:00 +0900] "GET / HTTP/1.1" 200 1 "-" "ua"`)
	f.Add("cookie:JSESSIONID", `x "JSESSIONID=A1; lang=ja"`)
	f.Add(`re:(?P<client>\d+\.\d+\.\d+\.\d+)`, `from 10.1.2.3 to`)
	f.Add("json:client.ip", `{"client":{"ip":"203.0.113.5"}}`)
	f.Fuzz(func(t *testing.T, spec, line string) {
		take, err := compileField(spec)
		if err != nil {
			return
		}
		v, ok := take([]byte(line))
		if ok && len(v) == 0 {
			t.Fatalf("%q on %q: an empty client", spec, line)
		}
		if ok && !strings.HasPrefix(spec, "json:") && !strings.Contains(line, string(v)) {
			t.Fatalf("%q on %q: %q is not in the line", spec, line, v)
		}
	})
}
