package agentproto

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/psk"
)

// ErrClosedUnanswered is a plain-text check the agent closed without
// a reply.
var ErrClosedUnanswered = errors.New("the agent closed the connection without answering: its Server= does not list this address, " +
	"or it accepts only TLS (its TLSAccept): give the item tls_connect psk with the agent's tls_psk_identity and tls_psk, " +
	"or tls: true for certificates")

// closedUnanswered reports whether err is a connection the peer ended
// before the first byte of a reply.
func closedUnanswered(err error) bool { return errors.Is(err, errNoReply) }

// Client asks Zabbix agents for values, one connection per key, as the
// passive protocol has it (an agent closes the connection after each reply).
type Client struct {
	// Timeout bounds a whole check: connect, handshake, ask and read. The
	// Zabbix server's default is 3s.
	Timeout time.Duration
	// TLS, when set, wraps every connection in TLS with certificates (the
	// agent's TLSAccept=cert).
	TLS *tls.Config
	// PSK, when set, wraps every connection in TLS with this pre-shared
	// key (the agent's TLSAccept=psk), through OpenSSL (package psk).
	PSK *psk.Key
	// Dialer dials the agent; a net.Dialer when nil.
	Dialer func(ctx context.Context, network, address string) (net.Conn, error)
}

// Get asks the agent at address (host:port) for key.
func (c *Client) Get(ctx context.Context, address, key string) (Reply, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := c.Dialer
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", address)
	if err != nil {
		return Reply{}, fmt.Errorf("agentproto: cannot connect to %s: %w", address, err)
	}
	defer func() { conn.Close() }() // the TLS or PSK connection once there is one: it frees its own state
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	switch {
	case c.PSK != nil:
		pc, err := psk.Client(ctx, conn, *c.PSK)
		if err != nil {
			return Reply{}, fmt.Errorf("agentproto: %s: %w", address, err)
		}
		conn = pc
	case c.TLS != nil:
		tc := tls.Client(conn, c.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			return Reply{}, fmt.Errorf("agentproto: TLS with %s: %w", address, err)
		}
		conn = tc
	}
	if _, err := conn.Write(Encode([]byte(key))); err != nil {
		return Reply{}, fmt.Errorf("agentproto: cannot send to %s: %w", address, err)
	}
	data, err := Decode(conn)
	if err != nil {
		if c.TLS == nil && c.PSK == nil && closedUnanswered(err) {
			// An agent drops a connection it will not serve without a word:
			// one whose Server= does not list unyo, or one that accepts only
			// TLS (with PSK or certificates).
			return Reply{}, fmt.Errorf("%s from %s: %w", key, address, ErrClosedUnanswered)
		}
		return Reply{}, fmt.Errorf("%s from %s: %w", key, address, err)
	}
	return ParseReply(data), nil
}
