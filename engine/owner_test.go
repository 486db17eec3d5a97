package engine

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// ownerAlive knows this process, and knows a process that ended, reaped or
// not, and one given the same id later, by its start time.
func TestOwnerAlive(t *testing.T) {
	if !ownerAlive(runOwner()) || runOwner() != ownerOf(os.Getpid()) {
		t.Errorf("this process, %q, is not alive", runOwner())
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	child := ownerOf(cmd.Process.Pid)
	if !ownerAlive(child) {
		t.Errorf("a running child, %q, is not alive", child)
	}
	cmd.Process.Kill()
	// Killed and not reaped yet: a zombie, which runs nothing.
	for i := 0; i < 100 && ownerAlive(child); i++ {
		exec.Command("sleep", "0.01").Run()
	}
	if ownerAlive(child) {
		t.Errorf("a killed child, %q, is alive", child)
	}
	cmd.Wait()
	if ownerAlive(child) {
		t.Errorf("a reaped child, %q, is alive", child)
	}
	pid := strconv.Itoa(os.Getpid())
	for _, owner := range []string{"", "x", "0", pid + " started 1", "999999999"} {
		if ownerAlive(owner) {
			t.Errorf("owner %q is alive", owner)
		}
	}
}
