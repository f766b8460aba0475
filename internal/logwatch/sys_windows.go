//go:build windows

package logwatch

import (
	"os"

	"golang.org/x/sys/windows"
)

// statID opens the file: Windows keeps the file index behind a handle.
func statID(path string, _ os.FileInfo) (fileID, error) {
	f, err := openFile(path)
	if err != nil {
		return fileID{}, err
	}
	defer f.Close()
	return fileIdentity(f)
}

// openFile shares delete and write access: os.Open does not share delete,
// and a held handle without it would stop the application from renaming
// or deleting its log when it rotates.
func openFile(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	share := uint32(windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE)
	h, err := windows.CreateFile(p, windows.GENERIC_READ, share, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// fileIdentity is the volume serial number and the 64-bit file index.
// NTFS keeps the index stable across renames; ReFS has 128-bit ids of which
// this is the low half, good enough for the few files of one glob.
func fileIdentity(f *os.File) (fileID, error) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info); err != nil {
		return fileID{}, &os.PathError{Op: "GetFileInformationByHandle", Path: f.Name(), Err: err}
	}
	return fileID{
		Dev: uint64(info.VolumeSerialNumber),
		Ino: uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow),
	}, nil
}
