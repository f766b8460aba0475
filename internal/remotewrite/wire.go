package remotewrite

import (
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Protobuf wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

// Negative indexes returned by uvarint instead of an error, so that the
// common one-byte case stays small enough to inline.
const (
	errTruncated = -1
	errOverlong  = -2
)

// uvarint decodes the varint at buf[i:] and returns it with the index after
// it, or with errTruncated or errOverlong as the index.
func uvarint(buf []byte, i int) (uint64, int) {
	if i < len(buf) && buf[i] < 0x80 {
		return uint64(buf[i]), i + 1
	}
	return uvarintSlow(buf, i)
}

// uvarintSlow is uvarint for varints of more than one byte. Like prompb's
// decoder it takes up to ten bytes and drops the bits past the 64th, so that
// every varint prompb accepts is accepted here with the same value.
//
//go:noinline so that uvarint itself stays small enough to inline.
func uvarintSlow(buf []byte, i int) (uint64, int) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if i >= len(buf) {
			return 0, errTruncated
		}
		b := buf[i]
		i++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, i
		}
	}
	return 0, errOverlong
}

// varintReason says why uvarint returned the negative index n.
func varintReason(n int) string {
	if n == errOverlong {
		return "varint longer than 10 bytes"
	}
	return "truncated varint"
}

// readTag decodes the field tag at buf[i:] and returns the field number, the
// wire type and the index after the tag. Byte offsets in its errors count
// from the start of the enclosing message.
func readTag(buf []byte, i int) (num int32, wt, next int, err error) {
	// Fields 1 to 15 take one byte: the only tags of the schema.
	if i < len(buf) {
		if b := buf[i]; b < 0x80 && b >= 8 && b&7 != wireEndGroup {
			return int32(b >> 3), int(b & 7), i + 1, nil
		}
	}
	return readTagSlow(buf, i)
}

// readTagSlow is readTag for tags of more than one byte, and bad ones.
func readTagSlow(buf []byte, i int) (num int32, wt, next int, err error) {
	tag, next := uvarint(buf, i)
	if next < 0 {
		return 0, 0, 0, invalid.New("", "tag at byte %d: %s", i, varintReason(next))
	}
	wt = int(tag & 7)
	// The field number is truncated to 32 bits as prompb does, so that both
	// decoders see the same field in every tag.
	num = int32(tag >> 3)
	if wt == wireEndGroup {
		return 0, 0, 0, invalid.New("", "tag at byte %d: end of group without a start", i)
	}
	if num <= 0 {
		return 0, 0, 0, invalid.New("", "tag at byte %d: field number %d out of range", i, num)
	}
	return num, wt, next, nil
}

// lenDelim decodes the length-delimited field whose length is at buf[i:] and
// returns its bytes, capped to their length, and the index after them.
func lenDelim(buf []byte, i, wt int) ([]byte, int, error) {
	// Labels and samples are shorter than 128 bytes: one byte of length.
	if wt == wireBytes && i < len(buf) {
		if n := int(buf[i]); n < 0x80 && n < len(buf)-i {
			end := i + 1 + n
			return buf[i+1 : end : end], end, nil
		}
	}
	return lenDelimSlow(buf, i, wt)
}

// lenDelimSlow is lenDelim for lengths of more than one byte, and bad ones.
func lenDelimSlow(buf []byte, i, wt int) ([]byte, int, error) {
	if wt != wireBytes {
		return nil, 0, invalid.New("", "wire type %d, want %d", wt, wireBytes)
	}
	n, next := uvarint(buf, i)
	if next < 0 {
		return nil, 0, invalid.New("", "length: %s", varintReason(next))
	}
	if n > uint64(len(buf)-next) {
		return nil, 0, invalid.New("", "length %d past the end (%d bytes left)", n, len(buf)-next)
	}
	end := next + int(n)
	return buf[next:end:end], end, nil
}

// skipField skips the value of wire type wt at buf[i:] and returns the index
// after it.
func skipField(buf []byte, i, wt int) (int, error) {
	switch wt {
	case wireVarint:
		_, next := uvarint(buf, i)
		if next < 0 {
			return 0, invalid.New("", "%s", varintReason(next))
		}
		return next, nil
	case wireFixed64:
		return skipFixed(buf, i, 8)
	case wireFixed32:
		return skipFixed(buf, i, 4)
	case wireBytes:
		_, end, err := lenDelim(buf, i, wt)
		return end, err
	case wireStartGroup:
		return skipGroup(buf, i)
	}
	return 0, invalid.New("", "wire type %d is not valid", wt)
}

// skipFixed skips n bytes of a fixed-size value.
func skipFixed(buf []byte, i, n int) (int, error) {
	if len(buf)-i < n {
		return 0, invalid.New("", "truncated fixed%d", n*8)
	}
	return i + n, nil
}

// skipGroup skips the rest of a group whose start tag ends at buf[i]. Like
// prompb, it counts nesting only and neither checks that an end tag names the
// field its start did nor that field numbers inside are valid: being as
// lenient as prompb is the point, and groups are long deprecated anyway.
func skipGroup(buf []byte, i int) (int, error) {
	for depth := 1; depth > 0; {
		tag, next := uvarint(buf, i)
		if next < 0 {
			return 0, invalid.New("", "group: tag at byte %d: %s", i, varintReason(next))
		}
		switch wt := int(tag & 7); wt {
		case wireStartGroup:
			depth++
		case wireEndGroup:
			depth--
		default:
			var err error
			if next, err = skipField(buf, next, wt); err != nil {
				return 0, invalid.Prefix("group", err)
			}
		}
		i = next
	}
	return i, nil
}
