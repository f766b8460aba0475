// Package logwatch is the log file monitoring of unyo agent: it follows the
// files matching a glob, matches each new line against an item's patterns,
// emits an Event per matching line and counts matches and lines read.
//
// # Exactly once
//
// Positions are saved in a small JSON file (format in positions.md), keyed
// by file identity (device and inode; on Windows volume serial number and
// file index), never by name, and written atomically (temp file, fsync,
// rename) at the end of a Poll that moved them: every Poll, or at most
// every WithSaveEvery, and always at Close. The saved offset is always
// just past a complete line. With WithFlush, the positions are written
// only after the flush made durable every event emitted so far, so a
// saved offset never covers a line whose event could still be lost.
//
//   - Rename rotation: an open file stays open after it is renamed or
//     deleted; it is read to its end, and for the rotate wait (5 s) after it
//     last grew, before the new file at the old name is read from its start.
//   - copytruncate: a file shorter than what was read, or whose first bytes
//     (up to 512, fingerprinted) changed, is read again from offset 0. The
//     lines written between the last poll and the truncation exist only in
//     the copy: that is copytruncate's own window. The copy must not match
//     the glob (use Exclude), or it is read as a new file.
//   - Restart: a file is found again by identity under the glob. A file
//     rotated out of the glob while the agent was down is looked for among
//     its siblings (app.log.1, app.log-20250101) and read on from its saved
//     offset; a new file at the old name is then read from its start. The
//     fingerprint also catches an inode reused by a new file.
//   - A last line without newline is held back until completed, or until it
//     stopped growing for the item's FlushTimeout; it is then emitted alone
//     and what completes it later is a line of its own.
//
// Across a crash (kill -9) the guarantee weakens to at-least-once: lines
// read since the last save (at most the save interval's worth, plus the
// poll that was running) are emitted again after the restart; none is
// skipped as long as WithFlush is the emitter's durability barrier.
//
// # Where reading starts
//
// A file with no saved position is read from its beginning, except when an
// item is watched for the first time (no entry in the positions file): the
// files it finds then are read from their end, so that enabling monitoring
// does not alert on old history (as Fluent Bit's read_from_head=false).
// An unfinished last line is kept even then. StartAt "beginning" reads
// those files whole too.
//
// # Polling
//
// The watcher polls (Run: every second; Poll: one synchronous scan for
// tests and shutdown) rather than using inotify: polling is the same on
// Linux and Windows, sees every case above through stat and read, and one
// scan per second of a few files costs less than an inotify goroutine per
// file. github.com/nxadm/tail was not used: it reopens a renamed file at
// once, dropping what the application still writes to the old one, keeps
// no position by identity, and runs a goroutine and a global logger per file.
package logwatch
