//go:build !windows

package agentcli

import (
	"fmt"
	"io"
)

// runService explains that services elsewhere are the package's systemd unit.
func runService(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "unyo-agent: `service` manages the Windows service; on Linux the .deb and .rpm install the systemd unit unyo-agent.service (systemctl enable --now unyo-agent)")
	return 2
}

// runAsService reports false: only Windows has a service manager to answer.
func runAsService(args []string) (bool, int) { return false, 0 }
