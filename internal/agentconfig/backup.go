package agentconfig

import (
	"path/filepath"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// checkBackup checks a backup item: one way to learn the result, and what
// that way needs.
func checkBackup(it *Item) []error {
	b := it.Backup
	if b == nil {
		return one(invalid.New("backup", "is required: a command, a status_file or a log_file"))
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, invalid.Prefix("backup", err))
		}
	}
	n := 0
	for _, set := range []bool{len(b.Command) > 0, b.StatusFile != "", b.LogFile != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		add(invalid.New("", "needs exactly one of command, status_file and log_file"))
	}
	if len(b.Policy) > 100 || strings.ContainsAny(b.Policy, "\x00\n\r") {
		add(invalid.New("policy", "must be a policy's name, one line of at most 100 characters"))
	}
	if len(b.Command) > 0 {
		if !filepath.IsAbs(b.Command[0]) {
			// A relative program would be looked up in the agent's PATH,
			// which is not what the person who wrote the item saw.
			add(invalid.New("command", "the program %q must be an absolute path", b.Command[0]))
		}
		for _, a := range b.Command {
			if strings.ContainsRune(a, 0) {
				add(invalid.New("command", "must not contain NUL"))
			}
		}
	}
	for _, f := range []struct{ name, path string }{{"size_file", b.SizeFile}, {"status_file", b.StatusFile}, {"log_file", b.LogFile}} {
		if f.path != "" && !filepath.IsAbs(f.path) {
			add(invalid.New(f.name, "%q must be an absolute path", f.path))
		}
	}
	if b.SizeFile != "" && len(b.Command) == 0 {
		add(invalid.New("size_file", "applies to a command"))
	}
	if b.LogFile != "" {
		add(checkRegexp("ok_pattern", b.OKPattern, true))
		add(checkRegexp("fail_pattern", b.FailPattern, false))
	} else if b.OKPattern != "" || b.FailPattern != "" {
		add(invalid.New("ok_pattern", "applies to a log_file"))
	}
	if b.MaxAge < 0 || (b.MaxAge > 0 && len(b.Command) > 0) {
		add(invalid.New("max_age", "applies to a status_file or a log_file and must not be negative"))
	}
	return errs
}
