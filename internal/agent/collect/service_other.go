//go:build !linux && !windows

package collect

import (
	"context"
	"errors"
)

func serviceRunning(context.Context, string) (bool, error) {
	return false, errors.New("service state is only read on Linux and Windows")
}
