//go:build unix

package logwatch

import (
	"fmt"
	"os"
	"syscall"
)

// statID takes the identity from the stat the caller already made,
// so discovering files costs no open on Unix.
func statID(_ string, fi os.FileInfo) (fileID, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, fmt.Errorf("no device and inode for %s", fi.Name())
	}
	// The conversions are needed where Dev is signed (darwin).
	return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, nil
}

func openFile(path string) (*os.File, error) {
	return os.Open(path)
}

func fileIdentity(f *os.File) (fileID, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileID{}, err
	}
	return statID(f.Name(), fi)
}
