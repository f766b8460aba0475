package cli

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// TestMain stops the throwaway PostgreSQL cluster the replica tests start.
func TestMain(m *testing.M) { dbtest.Main(m) }
