package main

import (
	"encoding/binary"
)

// span is a range of bytes, [start, end).
type span struct{ start, end int }

// patchable is a snappy block in which given ranges of the decoded bytes are
// stored as literals at known offsets, so that they can be rewritten in the
// compressed block itself: a load generator can then send a new timestamp and
// value every round without compressing again, and spend its CPU on sending.
type patchable struct {
	block []byte
	at    []int // offset in block of the first byte of each protected span
}

// Snappy block format: a uvarint of the decoded length, then elements whose
// tag's low two bits say literal (0), copy with 1-byte offset (1) or copy
// with 2-byte offset (2).
const (
	tagLiteral = 0
	tagCopy1   = 1
	tagCopy2   = 2

	hashBits  = 14
	minMatch  = 4
	maxOffset = 1<<16 - 1
)

// encodePatchable compresses src as a snappy block in which no copy reads or
// writes a byte of the protected spans, which must be sorted and disjoint.
// It is a plain greedy encoder: enough to compress like snappy does, not as
// fast, which does not matter for encoding once at start-up.
func encodePatchable(src []byte, protected []span) patchable {
	e := encoder{src: src, mark: make([]bool, len(src)), spans: protected}
	for _, s := range protected {
		for i := s.start; i < s.end; i++ {
			e.mark[i] = true
		}
	}
	e.at = make([]int, len(protected))
	e.block = binary.AppendUvarint(make([]byte, 0, len(src)/2), uint64(len(src)))
	var table [1 << hashBits]int32 // position+1 of the last 4 bytes with this hash
	lit := 0
	for i := 0; i+minMatch <= len(src); {
		if e.marked(i, minMatch) {
			i++
			continue
		}
		h := hash4(src[i:])
		cand := int(table[h]) - 1
		table[h] = int32(i + 1)
		if cand < 0 || i-cand > maxOffset || e.marked(cand, minMatch) || !equal4(src[cand:], src[i:]) {
			i++
			continue
		}
		n := minMatch
		for i+n < len(src) && src[cand+n] == src[i+n] && !e.mark[i+n] && !e.mark[cand+n] {
			n++
		}
		e.literal(lit, i)
		e.copy(i-cand, n)
		i += n
		lit = i
	}
	e.literal(lit, len(src))
	return patchable{block: e.block, at: e.at}
}

// encoder is the state of encodePatchable.
type encoder struct {
	src   []byte
	mark  []bool // protected bytes
	spans []span
	next  int // first span whose offset is not yet known
	block []byte
	at    []int
}

// marked reports whether any of the n bytes at i is protected.
func (e *encoder) marked(i, n int) bool {
	for _, m := range e.mark[i : i+n] {
		if m {
			return true
		}
	}
	return false
}

// literal emits src[from:to] as one literal element, so that no protected
// span is cut by a tag, and records where the spans inside it land.
func (e *encoder) literal(from, to int) {
	n := to - from
	if n == 0 {
		return
	}
	switch {
	case n <= 60:
		e.block = append(e.block, byte(n-1)<<2|tagLiteral)
	default:
		// Tags 60 to 63 say the length-1 follows in 1 to 4 bytes.
		size := 1
		for (n-1)>>(8*size) > 0 {
			size++
		}
		e.block = append(e.block, byte(59+size)<<2|tagLiteral)
		for k := range size {
			e.block = append(e.block, byte((n-1)>>(8*k)))
		}
	}
	data := len(e.block)
	e.block = append(e.block, e.src[from:to]...)
	for e.next < len(e.spans) && e.spans[e.next].start < to {
		e.at[e.next] = data + e.spans[e.next].start - from
		e.next++
	}
}

// copy emits a copy of n bytes from offset bytes back.
func (e *encoder) copy(offset, n int) {
	for n > 0 {
		l := min(n, 64)
		if l >= 4 && l <= 11 && offset < 2048 {
			e.block = append(e.block, byte(offset>>8)<<5|byte(l-4)<<2|tagCopy1, byte(offset))
		} else {
			e.block = append(e.block, byte(l-1)<<2|tagCopy2, byte(offset), byte(offset>>8))
		}
		n -= l
	}
}

func hash4(b []byte) uint32 {
	return binary.LittleEndian.Uint32(b) * 0x1e35a7bd >> (32 - hashBits)
}

func equal4(a, b []byte) bool {
	return binary.LittleEndian.Uint32(a) == binary.LittleEndian.Uint32(b)
}
