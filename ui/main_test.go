package ui

import (
	"os"
	"testing"

	"patchbay/engine/script"
)

// TestMain runs the window's tests with scripts in worker processes of the
// test binary, as Patchbay runs them.
func TestMain(m *testing.M) {
	script.WorkerMain()
	os.Exit(m.Run())
}
