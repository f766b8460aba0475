package logwatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
)

// positionsVersion is the format of the positions file; see positions.md.
const positionsVersion = 1

// positionsFile is the on-disk form: per item, one record per file.
// An item listed with no files has still been watched before, which makes
// files that appear later count as new (read from the beginning).
type positionsFile struct {
	Version int                 `json:"version"`
	Items   map[string][]record `json:"items"`
}

// record is the saved position of one file.
type record struct {
	Path    string `json:"path"`
	Dev     uint64 `json:"dev"`
	Ino     uint64 `json:"ino"`
	Offset  int64  `json:"offset"`
	HeadLen int64  `json:"head_len"`
	HeadSum uint64 `json:"head_sum"`
}

func (r record) id() fileID { return fileID{Dev: r.Dev, Ino: r.Ino} }

// loadPositions reads the positions file. A missing file means a first
// start. A corrupt one is moved aside and logged rather than refused: an
// agent that will not start is worse than one that starts at the end.
func loadPositions(path string, logger *slog.Logger) (map[string][]record, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read positions: %w", err)
	}
	var pf positionsFile
	err = json.Unmarshal(data, &pf)
	if err == nil && pf.Version != positionsVersion {
		err = fmt.Errorf("unknown version %d", pf.Version)
	}
	if err != nil {
		aside := path + ".corrupt"
		logger.Error("logwatch: positions file unreadable, starting without it", "path", path, "moved_to", aside, "err", err)
		if err := os.Rename(path, aside); err != nil {
			return nil, fmt.Errorf("move aside corrupt positions: %w", err)
		}
		return nil, nil
	}
	return pf.Items, nil
}

// encodePositions renders items deterministically, so that an unchanged
// state encodes to the same bytes and need not be written again.
func encodePositions(items map[string][]record) ([]byte, error) {
	for _, recs := range items {
		sort.Slice(recs, func(i, j int) bool {
			if recs[i].Path != recs[j].Path {
				return recs[i].Path < recs[j].Path
			}
			return recs[i].Ino < recs[j].Ino
		})
	}
	// Written every 5 s while lines arrive: compact, not indented.
	data, err := json.Marshal(positionsFile{Version: positionsVersion, Items: items})
	if err != nil {
		return nil, fmt.Errorf("encode positions: %w", err)
	}
	return append(data, '\n'), nil
}

// writeAtomic replaces path with data so that a crash leaves either the
// old or the new file, never a torn one: temp file, fsync, rename. The
// directory is not fsynced: after a power loss the rename may be undone,
// which leaves the older positions, whole; lines are then read again, never
// skipped, and an fsync fewer per save is worth that.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write positions: %w", err)
	}
	return nil
}

// positionsStore writes the positions file when its content changed.
type positionsStore struct {
	path string
	last []byte
}

// encode renders items and reports whether they differ from what was last
// written.
func (s *positionsStore) encode(items map[string][]record) ([]byte, bool, error) {
	if s.path == "" {
		return nil, false, nil
	}
	data, err := encodePositions(items)
	if err != nil {
		return nil, false, err
	}
	return data, !bytes.Equal(data, s.last), nil
}

func (s *positionsStore) write(data []byte) error {
	if err := writeAtomic(s.path, data); err != nil {
		return fmt.Errorf("save positions %s: %w", s.path, err)
	}
	s.last = data
	return nil
}
