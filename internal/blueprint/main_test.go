package blueprint

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// TestMain runs the tests on the dialect UNYO_TEST_DATABASE names and stops
// the PostgreSQL cluster afterwards.
func TestMain(m *testing.M) { dbtest.Main(m) }
