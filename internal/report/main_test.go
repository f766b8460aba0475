package report

import (
	"flag"
	"os"
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// updating reports whether -update was given to rewrite the golden files in
// testdata. The flag is defined by notifytest, which the delivery test
// imports, so it is looked up rather than defined again.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

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
	dbtest.Stop()
	os.Exit(code)
}
