//go:build !unix

package backupitem

import "os/exec"

// killGroup leaves the default: the command itself is killed on timeout.
func killGroup(*exec.Cmd) {}
