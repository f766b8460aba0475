//go:build unix

package datadir

import "syscall"

// hasModes: Unix permission bits mean something here.
const hasModes = true

// restrictUmask makes every file the process creates from now on 0600 and
// every directory 0700, the SQLite -wal and -shm files and TSDB blocks included.
func restrictUmask() { syscall.Umask(0o077) }
