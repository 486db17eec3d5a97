//go:build unix

package store

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe given as the database is refused at once: opening it to
// read the header would wait for a writer for ever.
func TestOpen_NamedPipe(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(pipe)
	if err == nil {
		db.Close()
		t.Fatal("Open: got no error, want one")
	}
	if want := "open database " + pipe + ": not a SQLite database: it is a named pipe, not a file; it was left as it is"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want %q", err, want)
	}
}
