package engine

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// ownerAlive knows this process, and knows a process that ended, reaped or
// not, and one given the same id later, by its start time.
func TestOwnerAlive(t *testing.T) {
	// This process's runs: alive while they run, not after.
	owner, end := startRun()
	if !ownerAlive(owner) || !strings.HasPrefix(owner, ownerOf(os.Getpid())+" run ") {
		t.Errorf("a run of this process, %q, is not alive", owner)
	}
	end()
	if ownerAlive(owner) {
		t.Errorf("a run of this process that ended, %q, is alive", owner)
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
