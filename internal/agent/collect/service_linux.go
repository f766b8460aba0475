package collect

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

// serviceRunning asks systemd; is-active exits 0 only for an active unit.
func serviceRunning(ctx context.Context, unit string) (bool, error) {
	err := exec.CommandContext(ctx, "systemctl", "is-active", "--quiet", "--", unit).Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && ctx.Err() == nil:
		return false, nil
	default:
		return false, fmt.Errorf("systemctl is-active %s: %w", unit, err)
	}
}
