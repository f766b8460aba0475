package yearplan

import (
	"flag"
	"os"
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	dbtest.Stop()
	os.Exit(code)
}
