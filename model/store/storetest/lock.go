// Package storetest lets a test play another program on a Patchbay
// database: the test binary, started again as a child process, holds the
// database's write lock until the test lets go.
package storetest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver the child opens the file with
)

// holdLockEnv names the database a child started by LockedBy locks.
const holdLockEnv = "PATCHBAY_TEST_HOLD_LOCK"

// RunLockHolder makes the process the lock holder when LockedBy started it,
// and does nothing otherwise. Call it first thing in a test binary, from an
// init function: the holder takes the write lock with BEGIN EXCLUSIVE, says
// "locked", keeps the lock until its standard input closes, and exits.
func RunLockHolder() {
	path := os.Getenv(holdLockEnv)
	if path == "" {
		return
	}
	if err := holdLock(path); err != nil {
		fmt.Println("error:", err)
	}
	os.Exit(0)
}

func holdLock(path string) error {
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer raw.Close()
	conn, err := raw.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		return err
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	_, err = conn.ExecContext(context.Background(), "ROLLBACK")
	return err
}

// LockedBy starts the test binary as a process that holds the lock on the
// database at path, and returns once it has it. The lock is held until
// release is called, or the test ends.
func LockedBy(t testing.TB, path string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			stdin.Close()
			cmd.Wait()
		})
	}
	t.Cleanup(release)
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "locked" {
		release()
		t.Fatalf("the process that was to lock %s said %q", path, line)
	}
	return release
}
