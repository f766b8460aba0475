//go:build !windows

package winevent

import (
	"context"
	"errors"
	"fmt"
)

// Reader follows a Windows Event Log channel; it exists only on Windows.
type Reader struct{}

// Open fails outside Windows.
func Open(channel, bookmark string, fromOldest bool) (*Reader, error) {
	return nil, fmt.Errorf("winevent: channel %s: %w", channel, errors.ErrUnsupported)
}

// Poll fails outside Windows.
func (*Reader) Poll(context.Context, func(Event)) (int, error) { return 0, errors.ErrUnsupported }

// Bookmark fails outside Windows.
func (*Reader) Bookmark() (string, error) { return "", errors.ErrUnsupported }

// Close does nothing outside Windows.
func (*Reader) Close() error { return nil }
