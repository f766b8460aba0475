package report

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// tempDir holds the shared fixture for the life of the test binary.
var tempDir string

func TestMain(m *testing.M) {
	flag.Parse()
	d, err := os.MkdirTemp("", "unyo-report-")
	if err != nil {
		panic(err)
	}
	tempDir = d
	code := m.Run()
	if fix != nil {
		fix.metrics.Close()
	}
	os.RemoveAll(d)
	os.Exit(code)
}
