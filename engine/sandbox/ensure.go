package sandbox

import (
	"net"
	"sync"
	"time"
)

var ensured struct {
	mu      sync.Mutex
	serving map[string]bool
}

// EnsureServing makes sure the example API answers on addr: when nothing
// listens there yet, it starts a sandbox there for the rest of the process
// and reports started. The window calls it before a test run against the
// bundled example, so that the first webhook test works without a network
// or a second terminal.
func EnsureServing(addr string) (started bool, err error) {
	ensured.mu.Lock()
	defer ensured.mu.Unlock()
	if ensured.serving[addr] {
		return false, nil
	}
	if conn, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		conn.Close() // something answers there already: leave it be
		return false, nil
	}
	if _, _, err := Start(addr, Options{}); err != nil {
		return false, err
	}
	if ensured.serving == nil {
		ensured.serving = map[string]bool{}
	}
	ensured.serving[addr] = true
	return true, nil
}
