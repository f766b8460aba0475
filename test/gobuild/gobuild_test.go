package gobuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	f := func(makefile, wantErr string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "Makefile")
		if err := os.WriteFile(path, []byte(makefile), 0o644); err != nil {
			t.Fatal(err)
		}
		err := Check(path)
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", makefile, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("Check(%q) = %v, want an error with %q", makefile, err, wantErr)
		}
	}
	// The tags this test binary has pass, in either spelling of a list.
	f("GO := go\nGO_TAGS := "+Tags()+"\nexport GOFLAGS += -tags=$(GO_TAGS)\n", "")
	f("GO_TAGS:="+strings.ReplaceAll(Tags(), ",", " ")+"\n", "")
	// A tag it lacks fails, named.
	f("GO_TAGS := "+Tags()+" gobuild_absent\n", `without the tag "gobuild_absent"`)
	f("# GO_TAGS := none here\n", "no GO_TAGS line")
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	same, other := filepath.Join(dir, "same"), filepath.Join(dir, "other")
	if err := Command(same, "./testdata/hello").Run(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(same); err != nil {
		t.Errorf("a binary built by Command: %v", err)
	}
	build := exec.Command("go", "build", "-tags="+Tags()+",gobuild_other", "-o", other, "./testdata/hello")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := Verify(other); err == nil || !strings.Contains(err.Error(), "gobuild_other") {
		t.Errorf("a binary built with another tag: Verify = %v, want an error naming it", err)
	}
	if err := Verify(filepath.Join(dir, "absent")); err == nil {
		t.Error("a missing binary: Verify = nil")
	}
}
