package logwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// dormantTTL is how long a saved position whose file cannot be found is
// kept, in case the file comes back (a volume mounted late, say).
const dormantTTL = 24 * time.Hour

// dormant is a saved position not attached to an open file.
type dormant struct {
	rec   record
	since time.Time
}

// found is a file that matches the glob now.
type found struct {
	path string
	id   fileID
}

// pollEnv is what one poll shares across items.
type pollEnv struct {
	now        time.Time
	buf        []byte
	emit       func(Event)
	log        *slog.Logger
	rotateWait time.Duration
	counters   *counterSet
	allow      func(path string) bool // nil: every file
}

// item is the state of one Config: its open files and saved positions.
type item struct {
	compiled
	matches []*atomic.Uint64 // per pattern, same order
	tailers map[fileID]*tailer
	dormant map[fileID]dormant
	scanned bool
	// initial holds, for an item watched for the first time, the files
	// there when it was created, as positions at their last line start
	// (an unreadable one at its size then; -1 if it could not even be
	// stat'ed: its end once readable).
	initial map[fileID]record
	warned  map[string]bool
}

// newItem creates an item's state. An item never watched before (not
// known in the positions file) notes at once where its existing files
// end, so that what is written between now and the first poll is read.
func newItem(c compiled, saved []record, known bool, env *pollEnv) *item {
	it := &item{
		compiled: c,
		matches:  env.counters.patterns(c.cfg),
		tailers:  map[fileID]*tailer{},
		dormant:  map[fileID]dormant{},
		initial:  map[fileID]record{},
		warned:   map[string]bool{},
	}
	env.counters.setUniques(c.cfg.Item, c.uniques)
	for _, r := range saved {
		it.dormant[r.id()] = dormant{rec: r, since: env.now}
	}
	if !known && c.cfg.StartAt != StartBeginning {
		for _, m := range it.discover(env) {
			it.initial[m.id] = startPosition(m.path)
		}
	}
	return it
}

// startPosition is where reading starts in a file that existed before the
// item was first watched, fingerprinted like a saved position so that a
// truncation before the first poll is noticed.
func startPosition(path string) record {
	unreadable := record{Offset: -1}
	f, err := openFile(path)
	if err != nil {
		// Not readable yet, but its size tells where today's content ends:
		// what is appended once it becomes readable is read, not skipped.
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() {
			return record{Offset: fi.Size()}
		}
		return unreadable
	}
	defer f.Close()
	off, err := lastLineStart(f)
	if err != nil {
		return unreadable
	}
	h, ok, err := readHead(f, min(off, headMax))
	if err != nil || !ok {
		return unreadable
	}
	return record{Offset: off, HeadLen: h.N, HeadSum: h.Sum}
}

// poll runs one scan: old files first, to their end, then new ones, so that
// across a rotation lines come out in the order they were written.
func (it *item) poll(ctx context.Context, env *pollEnv) error {
	matches := it.discover(env)
	byID := make(map[fileID]string, len(matches))
	for _, m := range matches {
		byID[m.id] = m.path
	}
	if !it.scanned {
		it.recoverRotated(byID, env)
	}
	it.markRotated(byID, env)
	for _, t := range it.ordered() {
		if err := it.pollTailer(ctx, t, env); err != nil {
			return err
		}
	}
	it.closeRotated(env)
	if err := it.attachNew(ctx, matches, env); err != nil {
		return err
	}
	it.expireDormant(matches, env.now)
	it.scanned = true
	it.prune(matches, env)
	return nil
}

// prune forgets what belongs to files no longer matched nor open: line
// counters, warnings, and the first-scan set.
func (it *item) prune(matches []found, env *pollEnv) {
	matched := make(map[string]bool, len(matches))
	ids := make(map[fileID]bool, len(matches))
	for _, m := range matches {
		matched[m.path] = true
		ids[m.id] = true
	}
	open := make(map[string]bool, len(it.tailers))
	for _, t := range it.tailers {
		open[t.path] = true
	}
	env.counters.retainLines(it.cfg.Item, open)
	for p := range it.warned {
		if !matched[p] && !open[p] {
			delete(it.warned, p)
		}
	}
	for id := range it.initial {
		if !ids[id] {
			delete(it.initial, id)
		}
	}
}

// discover lists the regular files matching the glob, with their identity.
func (it *item) discover(env *pollEnv) []found {
	paths, _ := filepath.Glob(it.cfg.Glob) // the only error is a bad pattern, refused by Validate
	out := make([]found, 0, len(paths))
	seen := make(map[fileID]bool, len(paths))
	for _, p := range paths {
		if it.excluded(p) {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				it.warnOnce(env, p, "cannot stat file", err)
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue // never open a FIFO or a device: reading it would block
		}
		if env.allow != nil {
			real, err := filepath.EvalSymlinks(p)
			if err == nil && !env.allow(real) {
				err = fmt.Errorf("its real path %q is not allowed", real)
			}
			if err != nil {
				it.warnOnce(env, p, "file not read", err)
				continue
			}
		}
		id, err := statID(p, fi)
		if err != nil {
			it.warnOnce(env, p, "cannot identify file", err)
			continue
		}
		if !seen[id] { // a hard link or symlink to a file already listed
			seen[id] = true
			out = append(out, found{path: p, id: id})
		}
	}
	return out
}

func (it *item) excluded(path string) bool {
	base := filepath.Base(path)
	for _, ex := range it.cfg.Exclude {
		if ok, _ := filepath.Match(ex, base); ok {
			return true
		}
	}
	return false
}

// recoverRotated looks, at the first scan after a start, for files that
// were rotated out of the glob while the agent was down: a saved file not
// under the glob is searched by identity among its siblings (app.log.1,
// app.log-20250101) and read to its end.
func (it *item) recoverRotated(byID map[fileID]string, env *pollEnv) {
	for id, d := range it.dormant {
		if _, ok := byID[id]; ok {
			continue
		}
		p := siblingWithID(d.rec.Path, id)
		if p == "" {
			continue
		}
		t := it.open(p, env)
		if t == nil || t.id != id {
			closeTailer(t)
			continue
		}
		t.path = d.rec.Path // the name it was watched under, for events and counters
		t.lines = env.counters.line(it.cfg.Item, t.path)
		t.rotatedAt = env.now
		t.resume(d.rec)
		delete(it.dormant, id)
		it.tailers[id] = t
		env.log.Info("logwatch: resuming file rotated while stopped", "item", it.cfg.Item, "path", d.rec.Path, "found_at", p, "offset", d.rec.Offset)
	}
}

func siblingWithID(path string, id fileID) string {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		name := e.Name()
		if len(name) <= len(base) || !strings.HasPrefix(name, base) {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if got, err := statID(p, fi); err == nil && got == id {
			return p
		}
	}
	return ""
}

// markRotated notes which open files left the glob: renamed away or deleted.
func (it *item) markRotated(byID map[fileID]string, env *pollEnv) {
	for _, t := range it.tailers {
		p, ok := byID[t.id]
		if !ok {
			if t.rotatedAt.IsZero() {
				t.rotatedAt = env.now
				env.log.Info("logwatch: file rotated or removed, reading it to its end", "item", it.cfg.Item, "path", t.path)
			}
			continue
		}
		t.rotatedAt = time.Time{}
		if p != t.path {
			t.path = p
			t.lines = env.counters.line(it.cfg.Item, p)
		}
	}
}

// ordered lists rotated files first, oldest rotation first, then live ones.
func (it *item) ordered() []*tailer {
	ts := make([]*tailer, 0, len(it.tailers))
	for _, t := range it.tailers {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.rotatedAt.IsZero() != b.rotatedAt.IsZero() {
			return !a.rotatedAt.IsZero()
		}
		if !a.rotatedAt.Equal(b.rotatedAt) {
			return a.rotatedAt.Before(b.rotatedAt)
		}
		return a.path < b.path
	})
	return ts
}

// pollTailer reads one file. Only cancellation stops the scan; a file that
// cannot be read is logged and tried again at the next poll.
func (it *item) pollTailer(ctx context.Context, t *tailer, env *pollEnv) error {
	err := t.poll(ctx, env.buf, env.now, it.cfg.flushTimeout(), it.lineFunc(t, env))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if err != nil {
		it.warnOnce(env, t.path, "cannot read file", err)
		return nil
	}
	delete(it.warned, t.path)
	return nil
}

// lineFunc counts a line and emits an event for the first pattern it matches.
func (it *item) lineFunc(t *tailer, env *pollEnv) func([]byte) {
	return func(line []byte) {
		t.lines.Add(1)
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if it.uniques != nil {
			it.uniques.line(line, env.now)
		}
		for i, re := range it.patterns {
			if !re.Match(line) {
				continue
			}
			it.matches[i].Add(1)
			p := it.cfg.Patterns[i]
			env.emit(Event{
				Time: env.now, Source: t.path, Item: it.cfg.Item,
				Pattern: p.Name, Severity: p.Severity, Message: message(line),
			})
			return
		}
	}
}

// closeRotated closes rotated files once quiet for the rotate wait: an
// application keeps writing to its old file until it reopens its log.
func (it *item) closeRotated(env *pollEnv) {
	for id, t := range it.tailers {
		if t.rotatedAt.IsZero() {
			continue
		}
		quietSince := t.rotatedAt
		if t.lastGrow.After(quietSince) {
			quietSince = t.lastGrow
		}
		if env.now.Sub(quietSince) < env.rotateWait {
			continue
		}
		t.flush(it.lineFunc(t, env)) // nothing more will complete its last line
		closeTailer(t)
		delete(it.tailers, id)
		env.log.Info("logwatch: finished rotated file", "item", it.cfg.Item, "path", t.path)
	}
}

// attachNew opens files new to the glob: saved ones first, since they
// hold the older lines, then the others.
func (it *item) attachNew(ctx context.Context, matches []found, env *pollEnv) error {
	var saved, unseen []found
	for _, m := range matches {
		if _, ok := it.tailers[m.id]; ok {
			continue
		}
		if _, ok := it.dormant[m.id]; ok {
			saved = append(saved, m)
		} else {
			unseen = append(unseen, m)
		}
	}
	for _, m := range append(saved, unseen...) {
		t := it.attach(m, env)
		if t == nil {
			continue
		}
		if err := it.pollTailer(ctx, t, env); err != nil {
			return err
		}
	}
	return nil
}

// attach opens a file and chooses where to start reading it: its saved
// offset; its end (last line start) if it was there when a fresh item was
// first scanned, even if it could only be opened later, and StartAt is
// end; else its beginning.
func (it *item) attach(m found, env *pollEnv) *tailer {
	t := it.open(m.path, env)
	if t == nil {
		return nil
	}
	if _, dup := it.tailers[t.id]; dup { // replaced since the stat by a file already open
		closeTailer(t)
		return nil
	}
	from := "beginning"
	d, saved := it.dormant[t.id]
	pos, existed := it.initial[t.id]
	delete(it.initial, t.id)
	switch {
	case saved:
		t.resume(d.rec)
		delete(it.dormant, t.id)
		from = "saved offset"
	case existed && pos.Offset >= 0:
		t.resume(pos)
		from = "end"
	case existed:
		if err := t.startAtEnd(); err != nil {
			it.warnOnce(env, m.path, "cannot seek to end", err)
			closeTailer(t)
			return nil
		}
		from = "end"
	}
	it.tailers[t.id] = t
	env.log.Info("logwatch: watching file", "item", it.cfg.Item, "path", m.path, "from", from, "offset", t.offset)
	return t
}

func (it *item) open(path string, env *pollEnv) *tailer {
	f, err := openFile(path)
	if err != nil {
		it.warnOnce(env, path, "cannot open file", err)
		return nil
	}
	id, err := fileIdentity(f)
	if err != nil {
		f.Close()
		it.warnOnce(env, path, "cannot identify file", err)
		return nil
	}
	return newTailer(f, id, path, env.counters.line(it.cfg.Item, path), env.now)
}

func closeTailer(t *tailer) {
	if t != nil {
		t.f.Close() // read-only: nothing to lose on close
	}
}

// expireDormant forgets saved positions whose file is gone for good: its
// name now belongs to another file, or it has been missing for dormantTTL.
func (it *item) expireDormant(matches []found, now time.Time) {
	if len(it.dormant) == 0 {
		return
	}
	paths := make(map[string]bool, len(matches))
	for _, m := range matches {
		paths[m.path] = true
	}
	for id, d := range it.dormant {
		if paths[d.rec.Path] || now.Sub(d.since) >= dormantTTL {
			delete(it.dormant, id)
		}
	}
}

// records is the item's part of the positions file.
func (it *item) records() []record {
	out := make([]record, 0, len(it.tailers)+len(it.dormant))
	for _, t := range it.tailers {
		out = append(out, t.record())
	}
	for _, d := range it.dormant {
		out = append(out, d.rec)
	}
	return out
}

func (it *item) close() {
	for id, t := range it.tailers {
		closeTailer(t)
		delete(it.tailers, id)
	}
}

// warnOnce logs a file problem once until the file reads again, so that a
// file without permission does not log every second.
func (it *item) warnOnce(env *pollEnv, path, msg string, err error) {
	if it.warned[path] {
		return
	}
	it.warned[path] = true
	env.log.Warn("logwatch: "+msg, "item", it.cfg.Item, "path", path, "err", err)
}
