package collector_test

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// TestMain runs the tests on the dialect UNYO_TEST_DATABASE names and stops
// the throwaway PostgreSQL cluster at the end.
func TestMain(m *testing.M) { dbtest.Main(m) }
