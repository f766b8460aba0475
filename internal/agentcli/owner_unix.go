//go:build !windows

package agentcli

import (
	"os"
	"syscall"
)

// chownLikeDir gives path to dir's owner when running as root.
func chownLikeDir(path, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Uid != 0 {
		return os.Chown(path, int(s.Uid), int(s.Gid))
	}
	return nil
}
