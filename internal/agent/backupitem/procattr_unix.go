//go:build unix

package backupitem

import (
	"os/exec"
	"syscall"
)

// killGroup makes a timeout end the command's children too (a script's
// pg_dump), not only the script.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
