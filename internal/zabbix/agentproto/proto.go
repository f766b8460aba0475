// Package agentproto speaks the Zabbix agent's passive-check protocol: unyo
// asks a Zabbix agent (agentd or agent2, 3.0 to 7.x) for one item key and
// reads its value, as a Zabbix server's poller or zabbix_get does.
//
// A request is the key, framed by the Zabbix header; agents since 1.x take
// the frame, and 7.x agents still answer a framed plain key (the JSON
// "passive checks" request of a 7.0 server is optional). The reply is the
// value, or "ZBX_NOTSUPPORTED\x00reason" (also ZBX_ERROR) when the agent
// cannot give it. The header is
//
//	"ZBXD" flags:uint8 datalen reserved
//
// with little-endian lengths of 4 bytes each, or 8 bytes each when flags has
// FlagLarge (Zabbix 5.0+ for data over 1 GiB). With FlagCompressed (4.0+)
// the data is zlib-compressed and reserved is its uncompressed size.
package agentproto

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// Header flags.
const (
	FlagProtocol   = 0x01 // always set: the Zabbix protocol
	FlagCompressed = 0x02 // data is zlib-compressed (Zabbix 4.0+)
	FlagLarge      = 0x04 // lengths are 8 bytes each (Zabbix 5.0+)
)

// MaxReply bounds the data of a reply unyo reads: an agent's value is a
// number or a short text; the Zabbix server's own bound for a passive
// value is 16 MiB (ZBX_MAX_RECV_DATA_SIZE is larger, for proxies).
const MaxReply = 16 << 20

var magic = []byte("ZBXD")

// Encode frames data as a request: the header with FlagProtocol and the
// 4-byte lengths every agent version reads.
func Encode(data []byte) []byte {
	out := make([]byte, 13+len(data))
	copy(out, magic)
	out[4] = FlagProtocol
	binary.LittleEndian.PutUint32(out[5:], uint32(len(data)))
	copy(out[13:], data)
	return out
}

// errNoReply is a connection the peer closed before the first byte of a
// reply.
var errNoReply = errors.New("closed without a reply")

// ErrNotZabbix means the peer answered something other than a Zabbix frame:
// not a Zabbix agent, or a TLS/plain mismatch.
var ErrNotZabbix = errors.New("agentproto: the reply is not a Zabbix frame")

// Decode reads one frame from r and returns its data, uncompressed. An agent
// older than 2.0 answers a value without a header: that is refused as
// ErrNotZabbix rather than guessed at.
func Decode(r io.Reader) ([]byte, error) {
	var h [13]byte
	if _, err := io.ReadFull(r, h[:5]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return nil, fmt.Errorf("agentproto: cannot read the header: %w (%w)", errNoReply, err)
		}
		return nil, fmt.Errorf("agentproto: cannot read the header: %w", err)
	}
	if !bytes.Equal(h[:4], magic) {
		return nil, ErrNotZabbix
	}
	flags := h[4]
	if flags&FlagProtocol == 0 || flags&^(FlagProtocol|FlagCompressed|FlagLarge) != 0 {
		return nil, fmt.Errorf("agentproto: unknown header flags %#x", flags)
	}
	var size, reserved uint64
	if flags&FlagLarge != 0 {
		var l [16]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, fmt.Errorf("agentproto: cannot read the lengths: %w", err)
		}
		size, reserved = binary.LittleEndian.Uint64(l[:8]), binary.LittleEndian.Uint64(l[8:])
	} else {
		if _, err := io.ReadFull(r, h[5:13]); err != nil {
			return nil, fmt.Errorf("agentproto: cannot read the lengths: %w", err)
		}
		size, reserved = uint64(binary.LittleEndian.Uint32(h[5:9])), uint64(binary.LittleEndian.Uint32(h[9:13]))
	}
	if size > MaxReply {
		return nil, fmt.Errorf("agentproto: a reply of %d bytes is over the bound of %d", size, MaxReply)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("agentproto: the reply is shorter than its header says: %w", err)
	}
	if flags&FlagCompressed == 0 {
		return data, nil
	}
	if reserved > MaxReply {
		return nil, fmt.Errorf("agentproto: an uncompressed reply of %d bytes is over the bound of %d", reserved, MaxReply)
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("agentproto: cannot uncompress the reply: %w", err)
	}
	out := make([]byte, reserved)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, fmt.Errorf("agentproto: cannot uncompress the reply: %w", err)
	}
	return out, nil
}

// Reply is what an agent answered for one key.
type Reply struct {
	Value string // the value as text, when Supported
	// Supported is false when the agent answered ZBX_NOTSUPPORTED or
	// ZBX_ERROR; Error is then its reason ("Unknown metric nosuch.key").
	Supported bool
	Error     string
}

// ParseReply reads the data of a reply frame.
func ParseReply(data []byte) Reply {
	for _, p := range []string{"ZBX_NOTSUPPORTED", "ZBX_ERROR"} {
		if rest, ok := bytes.CutPrefix(data, []byte(p)); ok && (len(rest) == 0 || rest[0] == 0) {
			reason := string(bytes.TrimPrefix(rest, []byte{0}))
			if reason == "" {
				reason = p
			}
			return Reply{Error: reason}
		}
	}
	// Agents end some text values with a newline (agentd's system.run).
	return Reply{Value: string(bytes.TrimRight(data, "\n")), Supported: true}
}
