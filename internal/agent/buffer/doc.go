// Package buffer is the agent's on-disk store-and-forward queue: batches are
// appended durably, read back in order, and removed once the server has
// accepted them. It is bounded in bytes; when full it drops the oldest
// segment and counts what was lost.
//
// # On-disk format
//
// The directory holds segment files and one acknowledgement file.
//
// A segment is named after the sequence number of its first record, as 20
// decimal digits and ".seg" (00000000000000000042.seg). It starts with the
// 8-byte magic "UNYOSEG1", followed by records:
//
//	length  uint32, little endian: bytes of payload, 1 to 64 MiB
//	crc     uint32, little endian: CRC-32C (Castagnoli) of the payload
//	payload length bytes
//
// Records are numbered consecutively from the segment's first number. Each
// append is written with one write call and fsynced before Append returns. A
// record whose header or payload is short, whose length is zero or too big, or
// whose CRC does not match is torn: on open the last segment is truncated
// before it; in an older segment the rest of that segment is skipped. Both
// are counted in Stats.CorruptRecords.
//
// The file "ack" holds the number of the first record not yet acknowledged,
// as uint64 little endian followed by the CRC-32C of those 8 bytes. It is
// overwritten in place (one 12-byte write at offset 0) after every
// acknowledgement and never fsynced: a killed process leaves the last value
// written; a power loss may leave an older one, or a torn one. A missing,
// empty or damaged ack file means "start from the oldest segment", so a
// crash can repeat batches but never loses one.
package buffer
