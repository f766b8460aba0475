package statuspage

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
