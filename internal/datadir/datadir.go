// Package datadir keeps the server's data directory private: the database,
// the TSDB, the sealing key and the self agent's buffer hold every tenant's
// data, so no other account on the machine may read them, whatever the
// umask the server was started with and whatever modes an older version or
// an administrator left behind.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Modes of what the server creates in the data directory.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// Prepare creates dir (mode 0700) if missing, makes the process create
// every later file 0600 and directory 0700 (umask 077; not on Windows, whose
// ACLs the directory inherits), and takes group and other permissions off
// dir and everything already in it, with a warning naming what was open.
// Symbolic links are left alone, not followed.
func Prepare(dir string, logger *slog.Logger) error {
	restrictUmask()
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("datadir: cannot create %q: %w", dir, err)
	}
	if !hasModes {
		return nil
	}
	opened := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile, e.g. a TSDB temporary file
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.Mode().Perm()&0o077 == 0 {
			return nil
		}
		if path == dir {
			logger.Warn("data directory was open to other accounts; made private", "dir", dir, "mode", info.Mode().Perm().String())
		}
		opened++
		if err := os.Chmod(path, info.Mode().Perm()&^0o077); err != nil {
			return fmt.Errorf("datadir: cannot make %q private: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opened > 0 {
		logger.Warn("files of the data directory were readable by group or others; made private", "dir", dir, "count", opened)
	}
	return nil
}

// CheckKeyFile warns when the key file at path is readable by group or
// others. The file may be the administrator's (mounted from a secret
// store), so it is not changed.
func CheckKeyFile(path string, logger *slog.Logger) {
	if !hasModes {
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		return
	}
	if info.Mode().Perm()&0o077 != 0 {
		logger.Warn("the secret key file is readable by group or others: anyone who reads it opens every sealed secret; chmod 600 it",
			"file", path, "mode", info.Mode().Perm().String())
	}
}
