package logwatch

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// maxLineBytes caps what is kept of one line, for matching and for the
// event message, so that a file without newlines cannot exhaust memory.
const maxLineBytes = 8 << 10

// lineSplitter cuts a byte stream, fed in arbitrary chunks, into lines.
// Of an unfinished line it keeps at most max bytes; the rest is counted
// (so offsets stay exact) but dropped.
type lineSplitter struct {
	max     int
	buf     []byte // kept head of the unfinished line
	pending int64  // length of the unfinished line, dropped bytes included
}

// feed splits chunk. fn gets each completed line (newline removed, capped
// at max) and the index in chunk just past its newline; the line is only
// valid during the call.
func (s *lineSplitter) feed(chunk []byte, fn func(line []byte, end int)) {
	start := 0
	for {
		i := bytes.IndexByte(chunk[start:], '\n')
		if i < 0 {
			s.keep(chunk[start:])
			return
		}
		end := start + i
		var line []byte
		if s.pending == 0 {
			// The common case: the whole line is in chunk, no copy needed.
			line = chunk[start:min(end, start+s.max)]
		} else {
			s.keep(chunk[start:end])
			line = s.buf
		}
		fn(line, end+1)
		s.reset()
		start = end + 1
	}
}

func (s *lineSplitter) keep(b []byte) {
	s.pending += int64(len(b))
	if room := s.max - len(s.buf); room > 0 {
		s.buf = append(s.buf, b[:min(room, len(b))]...)
	}
}

// flush hands out the unfinished line, if there is one, as if it had ended.
func (s *lineSplitter) flush() ([]byte, bool) {
	if s.pending == 0 {
		return nil, false
	}
	line := s.buf
	s.reset()
	return line, true
}

func (s *lineSplitter) reset() {
	s.buf = s.buf[:0]
	s.pending = 0
}

// message turns a line into event text: no trailing CR, valid UTF-8,
// at most maxLineBytes long.
func message(line []byte) string {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	s := string(line)
	if !utf8.ValidString(s) {
		// A line cut at the cap may end in half a rune; so may a binary log.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= maxLineBytes {
		return s
	}
	cut := maxLineBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
