package buffer

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
)

// ackLen is the size of the ack file: the number, then its CRC.
const ackLen = 12

// writeAck records the read position by overwriting the 12 bytes of the ack
// file in place: no new file, no rename, no fsync, so an acknowledgement
// costs one pwrite. A crash of the process cannot tear one pwrite; a power
// loss can leave the old value (batches repeated) or a torn one, which the
// CRC catches and which means "start from the oldest segment". Either way
// batches are repeated, never lost. Callers hold b.mu.
func (b *Buffer) writeAck() {
	var buf [ackLen]byte
	binary.LittleEndian.PutUint64(buf[:8], b.rSeq)
	binary.LittleEndian.PutUint32(buf[8:], crc32.Checksum(buf[:8], castagnoli))
	if b.ack == nil {
		f, err := os.OpenFile(filepath.Join(b.dir, "ack"), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			b.logger.Warn("agent buffer: cannot record acknowledgement", "err", err)
			return
		}
		b.ack = f
	}
	if _, err := b.ack.WriteAt(buf[:], 0); err != nil {
		b.logger.Warn("agent buffer: cannot record acknowledgement", "err", err)
	}
}

// readAck returns the first unacknowledged number. found is false when
// nothing was ever acknowledged (no file, or an empty one: created, then
// the process stopped before its first write); err says the file is damaged.
func readAck(dir string) (seq uint64, found bool, err error) {
	buf, err := os.ReadFile(filepath.Join(dir, "ack"))
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(buf) == 0) {
		return 0, false, nil
	}
	if err == nil && (len(buf) != ackLen || crc32.Checksum(buf[:8], castagnoli) != binary.LittleEndian.Uint32(buf[8:])) {
		err = errors.New("bad length or checksum")
	}
	if err != nil {
		return 0, false, err
	}
	return binary.LittleEndian.Uint64(buf[:8]), true, nil
}
