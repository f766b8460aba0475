package agentproto

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrClosedUnanswered is a plain-text check the agent closed without
// a reply.
var ErrClosedUnanswered = errors.New("the agent closed the connection without answering: its Server= does not list this address, " +
	"or it accepts only TLS. TLS-PSK is not supported: configure the agent with TLSAccept=unencrypted for unyo's address " +
	"(or cert, with tls: true), or use a collector inside the network")

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
	// agent's TLSAccept=cert). Go's crypto/tls has no TLS-PSK, and no
	// well-kept Go library adds it, so agents that accept only PSK are
	// out of reach (see docs/migrating-from-zabbix.md).
	TLS *tls.Config
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
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if c.TLS != nil {
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
		if c.TLS == nil && closedUnanswered(err) {
			// An agent drops a connection it will not serve without a word:
			// one whose Server= does not list unyo, or one that accepts only
			// TLS (with PSK, which unyo cannot speak, or certificates).
			return Reply{}, fmt.Errorf("%s from %s: %w", key, address, ErrClosedUnanswered)
		}
		return Reply{}, fmt.Errorf("%s from %s: %w", key, address, err)
	}
	return ParseReply(data), nil
}
