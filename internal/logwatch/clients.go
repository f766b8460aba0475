package logwatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// A client field says where a line of an access log names its client (or
// its session):
//
//   - "" or "remote_addr": the line's first field, the client address of
//     Apache's and nginx's common and combined formats;
//   - "json:<key>": a key of a JSON line (dots for nesting: json:client.ip);
//   - "re:<RE2>": the group named "client" of a regular expression, else its
//     first group (re:\bX-Forwarded-For="([^",]+)");
//   - "cookie:<name>": the value of a cookie logged in the line
//     (cookie:JSESSIONID), for sessions.
//
// A line where the field is missing or empty names no client.
const FieldRemoteAddr = "remote_addr"

// fieldFunc takes the client of one line.
type fieldFunc func(line []byte) ([]byte, bool)

// maxField bounds a field's value taken from a line.
const maxField = 256

// compileField compiles a client field.
func compileField(spec string) (fieldFunc, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch {
	case spec == "" || spec == FieldRemoteAddr:
		return firstField, nil
	case kind == "json" && arg != "":
		path := strings.Split(arg, ".")
		return func(line []byte) ([]byte, bool) { return jsonField(line, path) }, nil
	case kind == "re" && arg != "":
		re, err := regexp.Compile(arg)
		if err != nil {
			return nil, fmt.Errorf("%v", err)
		}
		g := re.SubexpIndex("client")
		if g < 0 {
			if re.NumSubexp() == 0 {
				return nil, fmt.Errorf("the regular expression has no group to take the client from")
			}
			g = 1
		}
		return func(line []byte) ([]byte, bool) {
			m := re.FindSubmatch(line)
			if m == nil || len(m[g]) == 0 {
				return nil, false
			}
			return m[g], true
		}, nil
	case kind == "cookie" && arg != "" && !strings.ContainsAny(arg, "=; \"\t"):
		key := []byte(arg + "=")
		return func(line []byte) ([]byte, bool) { return cookie(line, key) }, nil
	}
	return nil, fmt.Errorf("must be remote_addr, json:<key>, re:<regexp> or cookie:<name>, not %q", spec)
}

// ValidateField reports whether spec is a client field; field names it in
// the error.
func ValidateField(field, spec string) error {
	if _, err := compileField(spec); err != nil {
		return invalid.New(field, "%v", err)
	}
	return nil
}

func firstField(line []byte) ([]byte, bool) {
	line = bytes.TrimLeft(line, " \t")
	if i := bytes.IndexAny(line, " \t"); i >= 0 {
		line = line[:i]
	}
	if len(line) == 0 || string(line) == "-" {
		return nil, false
	}
	return line, true
}

func jsonField(line []byte, path []string) ([]byte, bool) {
	var v any
	if err := json.Unmarshal(line, &v); err != nil {
		return nil, false
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	switch x := v.(type) {
	case string:
		if x == "" || x == "-" {
			return nil, false
		}
		return []byte(x), true
	case float64, bool:
		return []byte(fmt.Sprint(x)), true
	}
	return nil, false
}

// cookie finds key ("NAME=") at a cookie's start and returns its value, up
// to ; , " or white space.
func cookie(line, key []byte) ([]byte, bool) {
	for off := 0; ; {
		i := bytes.Index(line[off:], key)
		if i < 0 {
			return nil, false
		}
		i += off
		if i > 0 && !bytes.ContainsRune([]byte(" ;\t\"'?&,"), rune(line[i-1])) {
			off = i + 1
			continue
		}
		v := line[i+len(key):]
		if j := bytes.IndexAny(v, "; \t\",&"); j >= 0 {
			v = v[:j]
		}
		if len(v) == 0 || string(v) == "-" {
			return nil, false
		}
		return v, true
	}
}

// The windows distinct clients are counted over.
const (
	WindowHour = "hour" // clock hours (UTC, the same hours as every whole-hour zone)
	WindowDay  = "day"  // days in the item's ClientZone
)

// maxDistinct bounds the clients remembered per window: past it a window
// counts no more (its count is then a floor), so a flood of forged
// addresses cannot grow the agent without end.
const maxDistinct = 1 << 20

// UniqueCount is the distinct clients (or sessions) an item's lines named
// within one window: the window's count so far at At, or, with Final, its
// last count, at the window's last millisecond.
type UniqueCount struct {
	Item   string
	What   string // clients or sessions
	Field  string // the field they were taken by
	Window string // hour or day
	At     time.Time
	Value  int
	Final  bool
}

// window counts the distinct values seen since start.
type window struct {
	name     string
	start    time.Time
	next     func(time.Time) time.Time // the start of the window after t's
	truncate func(time.Time) time.Time
	seen     map[uint64]struct{}
	finals   []UniqueCount // windows ended, not yet taken
}

func (w *window) roll(now time.Time, u *uniques, what, field string) {
	if w.start.IsZero() {
		w.start = w.truncate(now)
		return
	}
	if end := w.next(w.start); !now.Before(end) {
		w.finals = append(w.finals, UniqueCount{Item: u.item, What: what, Field: field, Window: w.name,
			At: end.Add(-time.Millisecond), Value: len(w.seen), Final: true})
		w.seen = map[uint64]struct{}{}
		w.start = w.truncate(now)
	}
}

func (w *window) add(h uint64) {
	if len(w.seen) < maxDistinct {
		w.seen[h] = struct{}{}
	}
}

// tracker counts one field's distinct values over an hour and a day.
type tracker struct {
	what, field string
	take        fieldFunc
	windows     []*window
}

// uniques are the distinct clients and sessions of one item.
type uniques struct {
	mu       sync.Mutex
	item     string
	seed     maphash.Seed
	trackers []*tracker
}

// newUniques returns the counters of c's client and session fields, nil
// when it has neither.
func newUniques(c Config) (*uniques, error) {
	if c.ClientField == "" && c.SessionField == "" {
		return nil, nil
	}
	loc := time.UTC
	if c.ClientZone != "" {
		l, err := time.LoadLocation(c.ClientZone)
		if err != nil {
			return nil, invalid.New("client_zone", "is not a time zone: %q", c.ClientZone)
		}
		loc = l
	}
	u := &uniques{item: c.Item, seed: maphash.MakeSeed()}
	for _, f := range []struct{ what, spec string }{{"clients", c.ClientField}, {"sessions", c.SessionField}} {
		if f.spec == "" {
			continue
		}
		take, err := compileField(f.spec)
		if err != nil {
			return nil, invalid.New(map[string]string{"clients": "client_field", "sessions": "session_field"}[f.what], "%v", err)
		}
		u.trackers = append(u.trackers, &tracker{what: f.what, field: f.spec, take: take, windows: []*window{
			{name: WindowHour, seen: map[uint64]struct{}{},
				truncate: func(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) },
				next:     func(t time.Time) time.Time { return t.Add(time.Hour) }},
			{name: WindowDay, seen: map[uint64]struct{}{},
				truncate: func(t time.Time) time.Time {
					y, m, d := t.In(loc).Date()
					return time.Date(y, m, d, 0, 0, 0, 0, loc)
				},
				next: func(t time.Time) time.Time {
					y, m, d := t.In(loc).Date()
					return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
				}},
		}})
	}
	return u, nil
}

// line counts the client (and session) line names, read at now.
func (u *uniques) line(line []byte, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, t := range u.trackers {
		v, ok := t.take(line)
		for _, w := range t.windows {
			w.roll(now, u, t.what, t.field)
			if ok {
				w.add(maphash.Bytes(u.seed, v[:min(len(v), maxField)]))
			}
		}
	}
}

// counts returns the windows that ended since the last call, then the
// counts of the windows open at now.
func (u *uniques) counts(now time.Time) []UniqueCount {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []UniqueCount
	for _, t := range u.trackers {
		for _, w := range t.windows {
			w.roll(now, u, t.what, t.field)
			out = append(out, w.finals...)
			w.finals = nil
			out = append(out, UniqueCount{Item: u.item, What: t.what, Field: t.field, Window: w.name, At: now, Value: len(w.seen)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
