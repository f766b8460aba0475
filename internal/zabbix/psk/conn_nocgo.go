//go:build !cgo

package psk

import (
	"context"
	"net"
)

// Conn is a TLS-PSK connection; a build without cgo never makes one.
type Conn struct{ net.Conn }

// Client fails with ErrNoCgo: the handshake is OpenSSL's, through cgo.
func Client(context.Context, net.Conn, Key) (*Conn, error) { return nil, ErrNoCgo }

// State is the zero State.
func (c *Conn) State() State { return State{} }
