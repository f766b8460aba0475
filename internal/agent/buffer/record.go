package buffer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	magic     = "UNYOSEG1"
	headerLen = int64(len(magic))
	recHeader = 8
	maxRecord = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn marks a record cut short by a crash or damaged on disk.
var errTorn = errors.New("torn or corrupt record")

// appendRecord appends payload, framed with its length and CRC, to dst.
func appendRecord(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, castagnoli))
	return append(dst, payload...)
}

// readRecord reads the next record from r. It returns io.EOF at a clean end,
// errTorn for a record cut short or damaged, and other errors as they come.
// Zero-length records count as torn because a crash can leave a file
// extended with zeros, which would otherwise read as valid empty records.
func readRecord(r io.Reader) ([]byte, error) {
	var h [recHeader]byte
	switch _, err := io.ReadFull(r, h[:]); {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		return nil, errTorn
	case err != nil:
		return nil, fmt.Errorf("buffer: cannot read record header: %w", err)
	}
	n := binary.LittleEndian.Uint32(h[0:4])
	if n == 0 || n > maxRecord {
		return nil, errTorn
	}
	// Grow with the data actually read, so a garbage length in a torn header
	// costs no more memory than the bytes that are really there.
	var buf bytes.Buffer
	buf.Grow(int(min(n, 1<<20)))
	switch m, err := io.CopyN(&buf, r, int64(n)); {
	case err != nil && err != io.EOF:
		return nil, fmt.Errorf("buffer: cannot read record: %w", err)
	case m < int64(n):
		return nil, errTorn
	}
	payload := buf.Bytes()
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[4:8]) {
		return nil, errTorn
	}
	return payload, nil
}

// framedLen is the size of a record on disk.
func framedLen(payload []byte) int64 { return int64(recHeader + len(payload)) }
