//go:build !cgo

package psk

import (
	"context"
	"errors"
	"net"
	"testing"
)

// TestNoCgo: a build without cgo refuses TLS-PSK with the reason, before
// it writes anything to the connection.
func TestNoCgo(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	_, err := Client(context.Background(), a, Key{Identity: "x", Secret: make([]byte, 16)})
	if !errors.Is(err, ErrNoCgo) || err.Error() != "this build has no cgo: TLS-PSK needs unyo built with cgo and OpenSSL (docs/migrating-from-zabbix.md)" {
		t.Fatalf("%v", err)
	}
}
