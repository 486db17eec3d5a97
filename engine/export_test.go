package engine

import "time"

// SetDeleteTimeout sets the time limit of a lifecycle's delete for a test,
// and returns what puts it back.
func SetDeleteTimeout(d time.Duration) (restore func()) {
	old := deleteTimeout
	deleteTimeout = d
	return func() { deleteTimeout = old }
}
