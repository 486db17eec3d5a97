package script

import (
	"os"
	"testing"
)

// TestMain runs this package's tests with scripts in worker processes of
// the test binary, as Patchbay runs them.
func TestMain(m *testing.M) {
	WorkerMain()
	os.Exit(m.Run())
}
