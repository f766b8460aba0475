// Package gobuild builds the binaries the end-to-end and browser tests run
// with the build tags `go test` was given, so that the server under test is
// the one the tests were compiled against. The Makefile's GO_TAGS is the one
// place those tags are written (make exports them in GOFLAGS); Check fails a
// run whose test binary lacks them, loudly, rather than letting it test a
// server built another way than the one that ships.
package gobuild

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
)

// Tags returns the build tags of the running (test) binary, comma-separated
// as `go version -m` shows them; "" when it was built with none.
func Tags() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return setting(info, "-tags")
}

// Command is `go build -tags=TAGS -o out pkg` with TAGS those of the running
// test binary, its output on the test's own stdout and stderr.
func Command(out, pkg string) *exec.Cmd {
	cmd := exec.Command("go", "build", "-tags="+Tags(), "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd
}

var goTagsLine = regexp.MustCompile(`(?m)^GO_TAGS[ \t]*:=[ \t]*(.*)$`)

// Check returns an error unless the running test binary was built with
// every tag of the GO_TAGS line of the Makefile at path.
func Check(makefile string) error {
	text, err := os.ReadFile(makefile)
	if err != nil {
		return fmt.Errorf("cannot read the build tags: %w", err)
	}
	m := goTagsLine.FindSubmatch(text)
	if m == nil {
		return fmt.Errorf("no GO_TAGS line in %s", makefile)
	}
	have := split(Tags())
	for _, tag := range split(string(m[1])) {
		if !slices.Contains(have, tag) {
			return fmt.Errorf("the tests were built without the tag %q that every build of unyo has (GO_TAGS in %s; built with %q): run them through make, or export GOFLAGS=$(scripts/goflags.sh) first", tag, makefile, Tags())
		}
	}
	return nil
}

// Verify returns an error unless the binary at path was built with the same
// tags as the running test binary (one built beforehand, by scripts/e2e.sh).
func Verify(path string) error {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the build of %s: %w", path, err)
	}
	if got, want := setting(info, "-tags"), Tags(); !slices.Equal(split(got), split(want)) {
		return fmt.Errorf("%s was built with tags %q, the tests with %q", path, got, want)
	}
	return nil
}

func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// split returns the tags of a comma- or space-separated list, sorted.
func split(list string) []string {
	tags := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	slices.Sort(tags)
	return tags
}
