package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"patchbay/model"
	"patchbay/model/store/storetest"
)

// The test binary doubles as two helper processes, chosen by environment:
// one that holds another process's lock on a database, and one that opens a
// database as an unprivileged user (tests run as root, who may write to any
// file whatever its mode). init runs before TestMain, which is crash_test's.
func init() {
	storetest.RunLockHolder()
	if path := os.Getenv("PATCHBAY_TEST_OPEN_AS_USER"); path != "" {
		openAsUser(path)
		os.Exit(0)
	}
}

// openAsUser is the child that opens a database and tries to save in it,
// printing what Open or the save said.
func openAsUser(path string) {
	db, err := Open(path)
	if err != nil {
		fmt.Println("open:", err)
		return
	}
	defer db.Close()
	if err := db.SaveConnector(context.Background(), &model.Connector{Name: "Written"}); err != nil {
		fmt.Println("save:", err)
		return
	}
	fmt.Println("saved")
}

// TestDatabaseLockedByAnotherProcess opens and writes a database while
// another process holds its write lock: each waits the busy timeout, then
// fails with a message that says the database is locked and by whom, and
// nothing stored before is lost; once the lock is gone, both work.
func TestDatabaseLockedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "patchbay.db")
	db := mustOpenPath(t, path)
	if err := db.SaveConnector(ctx, &model.Connector{Name: "Kept", Description: "before the lock"}); err != nil {
		t.Fatal(err)
	}
	release := storetest.LockedBy(t, path)

	start := time.Now()
	other, err := Open(path)
	if err == nil {
		other.Close()
		t.Fatal("Open of a locked database: got no error, want one")
	}
	t.Logf("Open while locked (after %s): %v", time.Since(start).Round(100*time.Millisecond), err)
	for _, want := range []string{path, "locked by another program", "try again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not say %q", err, want)
		}
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("Open error %q does not wrap ErrLocked", err)
	}

	err = db.SaveConnector(ctx, &model.Connector{Name: "Kept", ID: 1, Description: "during the lock"})
	if err == nil {
		t.Fatal("SaveConnector on a locked database: got no error, want one")
	}
	t.Logf("SaveConnector while locked: %v", err)
	for _, want := range []string{`save connector "Kept"`, "database is locked", "still after 5s", "try again when it has finished"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("save error %q does not say %q", err, want)
		}
	}

	release()
	got, err := db.LoadConnector(ctx, "Kept")
	if err != nil || got.Description != "before the lock" {
		t.Fatalf("after the lock: %+v, %v; want the connector as it was", got, err)
	}
	got.Description = "after the lock"
	if err := db.SaveConnector(ctx, got); err != nil {
		t.Errorf("save after the lock was released: %v", err)
	}
	mustOpenPath(t, path) // and a second handle opens again
}

// asUnprivileged returns a command running the test binary as the user
// nobody when the test runs as root, and as the current user otherwise; ok
// is false when root cannot switch user here.
func asUnprivileged(t *testing.T) (cmd *exec.Cmd, ok bool) {
	t.Helper()
	bin := os.Args[0]
	cmd = exec.Command(bin, "-test.run=^$")
	cmd.Env = os.Environ()
	if os.Geteuid() != 0 {
		return cmd, true
	}
	// The binary and the test's folders must be reachable by nobody.
	dir, err := os.MkdirTemp("", "patchbay-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	copyBin := filepath.Join(dir, "store.test")
	if err := os.WriteFile(copyBin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Args[0] = copyBin, copyBin
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	probe := exec.Command(copyBin, "-test.run=^$")
	probe.SysProcAttr = cmd.SysProcAttr
	if err := probe.Run(); err != nil {
		t.Logf("cannot run as the user nobody: %v", err)
		return nil, false
	}
	return cmd, true
}

// TestReadOnlyDatabase opens a database the user may not write: the file
// read-only, its folder read-only, a new file in a read-only folder. Each
// fails with a message that names the file and says it cannot be written,
// and the file is left byte for byte as it was. Tests run as root, whom file
// modes do not stop, so the opening runs in a child process as the user
// nobody.
func TestReadOnlyDatabase(t *testing.T) {
	cases := []struct {
		name string
		file os.FileMode // 0 for no file
		dir  os.FileMode
		want []string
	}{
		{"read-only file", 0o444, 0o777, []string{"is read-only", "make it writable"}},
		{"read-only folder", 0o666, 0o555, []string{"cannot be written", "folder", "is read-only"}},
		{"new file in a read-only folder", 0, 0o555, []string{"cannot be created", "folder"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd, ok := asUnprivileged(t)
			if !ok {
				t.Skip("running as root, and unable to switch to an unprivileged user: file modes cannot be tested")
			}
			base, err := os.MkdirTemp("", "patchbay-ro-db-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(base, "data"), 0o700); os.RemoveAll(base) })
			os.Chmod(base, 0o755)
			dir := filepath.Join(base, "data")
			if err := os.Mkdir(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dir, 0o777)
			path := filepath.Join(dir, "patchbay.db")
			var before []byte
			if tc.file != 0 {
				db, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SaveConnector(context.Background(), &model.Connector{Name: "Kept"}); err != nil {
					t.Fatal(err)
				}
				db.Close() // a clean close leaves no -wal or -shm file
				if err := os.Chmod(path, tc.file); err != nil {
					t.Fatal(err)
				}
				if before, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(dir, tc.dir); err != nil {
				t.Fatal(err)
			}
			cmd.Env = append(cmd.Env, "PATCHBAY_TEST_OPEN_AS_USER="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the child failed: %v\n%s", err, out)
			}
			said := strings.TrimSpace(string(out))
			t.Logf("%s", said)
			if !strings.HasPrefix(said, "open: ") || !strings.Contains(said, path) {
				t.Errorf("the child said %q; want Open to fail naming %s", said, path)
			}
			for _, w := range tc.want {
				if !strings.Contains(said, w) {
					t.Errorf("message %q does not say %q", said, w)
				}
			}
			if strings.Contains(said, "goroutine") || strings.Contains(said, "panic") {
				t.Errorf("a Go panic: %s", said)
			}
			os.Chmod(dir, 0o700)
			if tc.file == 0 {
				if _, err := os.Stat(path); err == nil {
					t.Error("a database file was made in a read-only folder")
				}
				return
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("the read-only database file was changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("files beside the database: %d entries, want only patchbay.db", len(entries))
			}
		})
	}
}

// TestOpenNewFileTwiceAtOnce opens one new database file from several
// handles at once, as two Patchbays started together would: each opens,
// and exactly one is told it created the database (and so seeds it).
func TestOpenNewFileTwiceAtOnce(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "patchbay.db")
		const n = 8
		var wg sync.WaitGroup
		created := make(chan bool, n)
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := Open(path)
				if err != nil {
					errs <- err
					return
				}
				created <- db.Created()
				db.Close()
			}()
		}
		wg.Wait()
		close(created)
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		count := 0
		for c := range created {
			if c {
				count++
			}
		}
		if count != 1 {
			t.Errorf("round %d: %d handles were told they created the database, want 1", round, count)
		}
	}
}

// Two handles on one database, as two windows or two Patchbays: a save
// over a version the other one saved since it was loaded is refused once,
// saying so, and nothing is lost; saving again overwrites, as the author
// then chose. A handle's own saves never conflict.
func TestSaveOverAnotherHandlesSave(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	if err := a.SaveConnector(ctx, &model.Connector{Name: "X", Description: "v0"}); err != nil {
		t.Fatal(err)
	}
	ca, err := a.LoadConnector(ctx, "X")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.LoadConnector(ctx, "X")
	if err != nil {
		t.Fatal(err)
	}
	cb.Description = "saved by B"
	cb.Methods = append(cb.Methods, model.Method{Name: "Added by B", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: "https://x.test"})
	if err := b.SaveConnector(ctx, cb); err != nil {
		t.Fatal(err)
	}
	ca.Description = "saved by A"
	err = a.SaveConnector(ctx, ca)
	if model.ErrorCodeOf(err) != model.EConflict || !strings.Contains(err.Error(), "it was saved from another window or Patchbay since it was opened here") {
		t.Fatalf("A's save over B's: %v, want EConflict", err)
	}
	if got, _ := b.LoadConnector(ctx, "X"); got.Description != "saved by B" || len(got.Methods) != 1 {
		t.Errorf("after the refused save: %q with %d methods, want B's", got.Description, len(got.Methods))
	}
	// Refused once: A's author saves again, and A's copy overwrites.
	if err := a.SaveConnector(ctx, ca); err != nil {
		t.Fatalf("A's save again: %v", err)
	}
	if got, _ := b.LoadConnector(ctx, "X"); got.Description != "saved by A" {
		t.Errorf("after the second save: %q", got.Description)
	}
	// A handle's own saves, one after the other, never conflict.
	for i := range 3 {
		ca.Description = fmt.Sprint("A again ", i)
		if err := a.SaveConnector(ctx, ca); err != nil {
			t.Fatalf("A's own save %d: %v", i, err)
		}
	}
}

// While another process holds the write lock (a long import, a save), an
// open handle still reads: connectors, account values, the ledger and the
// run history. Only writes wait for the lock.
func TestReadsWhileAnotherProcessWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reads.db")
	db := mustOpenPath(t, path)
	if err := db.SaveConnector(ctx, &model.Connector{Name: "Kept", Description: "readable"}); err != nil {
		t.Fatal(err)
	}
	release := storetest.LockedBy(t, path)
	defer release()
	if c, err := db.LoadConnector(ctx, "Kept"); err != nil || c.Description != "readable" {
		t.Errorf("load while locked: %v", err)
	}
	if _, err := db.ListConnectors(ctx); err != nil {
		t.Errorf("list connectors while locked: %v", err)
	}
	if _, err := db.AccountValues(ctx, "Kept"); err != nil {
		t.Errorf("account values while locked: %v", err)
	}
	if _, err := db.ListWebhooks(ctx, true); err != nil {
		t.Errorf("list webhooks while locked: %v", err)
	}
	if _, err := db.ListRuns(ctx, "Kept", 0); err != nil {
		t.Errorf("list runs while locked: %v", err)
	}
}
