package executor

import (
	"testing"

	"github.com/chatbi/chatbi/schema/schematest"
)

// TestMain removes the shared public warehouse when the tests are done.
func TestMain(m *testing.M) { schematest.Main(m) }
