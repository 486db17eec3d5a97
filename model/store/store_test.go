package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"patchbay/model"
)

// MustOpen opens a new database file under tb.TempDir() and closes it when
// the test ends.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "patchbay.db"))
}

// mustOpenPath opens the database at path and closes it when the test ends.
func mustOpenPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// fakeClock returns a clock that starts at start and moves one second each
// time it is read.
func fakeClock(start time.Time) func() time.Time {
	t := start
	return func() time.Time {
		now := t
		t = t.Add(time.Second)
		return now
	}
}

// countRows returns the number of rows of table matching where.
func countRows(tb testing.TB, db *DB, table, where string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.db.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

func wantCode(tb testing.TB, err error, code model.ErrorCode) {
	tb.Helper()
	if got := model.ErrorCodeOf(err); got != code {
		tb.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

func TestOpen_Pragmas(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	// Two connections at once, so that both come from the DSN, not one
	// connection's leftover state.
	c1, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	}
	for i, conn := range []*sql.Conn{c1, c2} {
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("conn %d PRAGMA %s: %v", i, tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("conn %d PRAGMA %s: got %q, want %q", i, tt.pragma, got, tt.want)
			}
		}
	}
}

func TestOpen_CreatedAndParentDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "patchbay.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !db.Created() {
		t.Error("Created() on a new file: got false, want true")
	}
	db.Close()
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("parent dir mode: got %o, want 700", got)
	}

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Created() {
		t.Error("Created() on reopening: got true, want false")
	}

	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	edb := mustOpenPath(t, empty)
	if !edb.Created() {
		t.Error("Created() on an empty file: got false, want true")
	}
}

func TestOpen_OddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data ?#%20&x=1")
	path := filepath.Join(dir, "pb?mode=ro#frag%41.db")
	db := mustOpenPath(t, path)
	c := &model.Connector{Name: "Odd"}
	if err := db.SaveConnector(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
	db = mustOpenPath(t, path)
	if _, err := db.LoadConnector(context.Background(), "Odd"); err != nil {
		t.Fatal(err)
	}
}

// A real database damaged past its first page, where opening reads
// nothing, is refused by the quick_check Open runs before it writes: the
// error names the file and SQLite's finding, and the file is left byte for
// byte as it was.
func TestOpen_DamagedPastItsFirstPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "patchbay.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 { // pages enough to damage
		c := model.Connector{Name: fmt.Sprintf("Big %d", i), Description: strings.Repeat("x", 4000)}
		if err := db.SaveConnector(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 40000 {
		t.Fatalf("a database of %d bytes: %v", len(data), err)
	}
	for i := 20480; i < 36864; i++ {
		data[i] = 0xa5
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a damaged database: got no error, want one")
	}
	t.Logf("Open: %v", err)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "the database file "+path+" is damaged (") ||
		!strings.Contains(err.Error(), "page") {
		t.Errorf("Open error %q: want ErrDamaged naming the file and quick_check's finding", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("the damaged file was written to")
	}
}

func TestOpen_NotADatabase(t *testing.T) {
	garbage := make([]byte, 8192)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(garbage)
	damaged := append([]byte("SQLite format 3\x00"), garbage...)
	tests := []struct {
		name     string
		contents []byte
	}{
		{"random bytes", garbage},
		{"text", []byte("name,value\nBaseUrl,http://example.com\n")},
		{"short", []byte("SQL")},
		{"sqlite header then garbage", damaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "patchbay.db")
			if err := os.WriteFile(path, tt.contents, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path)
			if err == nil {
				db.Close()
				t.Fatal("Open: got no error, want one")
			}
			if !errors.Is(err, ErrNotDatabase) {
				t.Errorf("error %q does not wrap ErrNotDatabase", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the path %s", err, path)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.contents) {
				t.Error("the file was changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("files beside the database: got %v, want only patchbay.db", names)
			}
		})
	}
}

func TestOpen_CannotOpen(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"path is a directory", dir, "it is a folder, not a file"},
		{"parent is a file", filepath.Join(notDir, "patchbay.db"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.path)
			if err == nil {
				db.Close()
				t.Fatal("Open: got no error, want one")
			}
			if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name the path %s, or lacks %q", err, tt.path, tt.want)
			}
		})
	}
}

func TestOpen_ForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open: got no error, want one")
	}
	if !errors.Is(err, ErrForeignDatabase) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %q, want ErrForeignDatabase naming %s", err, path)
	}
	// Left byte for byte as it was: not turned to WAL mode, no files beside.
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("Open changed the other program's database")
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("Open left %s beside it", filepath.Base(path+suffix))
		}
	}
}

func TestOpen_NewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "patchbay.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	future := len(ms) + 1
	if _, err := db.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', '2099-01-01T00:00:00.000000000Z')`, future); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open: got no error, want one")
	}
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("error %q does not wrap ErrNewerSchema", err)
	}
	for _, want := range []string{path, fmt.Sprintf("version %d", future)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestMigrations_Numbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("got %d migrations, want at least 2", len(ms))
	}
	db := MustOpen(t)
	for _, m := range ms {
		if n := countRows(t, db, "schema_migrations", "version = ? AND name = ?", m.version, m.name); n != 1 {
			t.Errorf("schema_migrations has %d rows for %s, want 1", n, m.name)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("os.UserConfigDir reads XDG_CONFIG_HOME on Linux only")
	}
	t.Setenv("XDG_CONFIG_HOME", "/tmp/cfg")
	got, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := "/tmp/cfg/patchbay/patchbay.db"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestConcurrentWriters checks that writers on several connections wait
// for each other (BEGIN IMMEDIATE, busy timeout) instead of failing with
// "database is locked".
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "patchbay.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path) // two handles, like two windows
	const n = 20
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c := fullConnector()
			c.Name = fmt.Sprintf("Connector %d", i)
			errs <- a.SaveConnector(ctx, c)
		}()
		go func() {
			defer wg.Done()
			errs <- b.RecordWebhook(ctx, &model.WebhookRecord{Connector: "C", Method: "M", WebhookID: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if list, err := b.ListConnectors(ctx); err != nil || len(list) != n {
		t.Errorf("connectors: got %d, %v; want %d", len(list), err, n)
	}
	if list, err := a.ListWebhooks(ctx, true); err != nil || len(list) != n {
		t.Errorf("webhooks: got %d, %v; want %d", len(list), err, n)
	}
}

// Damaged explains SQLite's word that the file is damaged, whenever it
// comes, naming the file and what to do; other errors it leaves alone.
func TestDamaged(t *testing.T) {
	const path = "/data/patchbay.db"
	err := fmt.Errorf("list connectors: %w", sqlite3.Error{Code: sqlite3.ErrCorrupt})
	d := Damaged(err, path)
	if d == nil || !errors.Is(d, ErrDamaged) || !strings.Contains(d.Error(), "the database file /data/patchbay.db is damaged") ||
		!strings.Contains(d.Error(), "sqlite3 /data/patchbay.db .recover") {
		t.Errorf("Damaged = %v", d)
	}
	if Damaged(d, path) != nil {
		t.Error("an explained error was explained again")
	}
	for _, other := range []error{errors.New("no such connector"), sqlite3.Error{Code: sqlite3.ErrBusy}} {
		if d := Damaged(other, path); d != nil {
			t.Errorf("Damaged(%v) = %v, want nil", other, d)
		}
	}
}

// A database another program left with a hot rollback journal (it stopped
// in the middle of a write) is rolled back as any SQLite program would,
// and then looked at: here another program's, refused as such, instead of
// "attempt to write a readonly database", blaming permissions.
func TestOpen_HotJournal(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	raw, err := sql.Open("sqlite3", src+"?_journal_mode=DELETE")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for _, q := range []string{`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`,
		`INSERT INTO notes (body) VALUES ('kept')`, `PRAGMA cache_size = 1`, `BEGIN`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	for range 200 { // more than the cache holds: pages go to the file, originals to the journal
		if _, err := raw.Exec(`INSERT INTO notes (body) VALUES (?)`, strings.Repeat("x", 2000)); err != nil {
			t.Fatal(err)
		}
	}
	// The file and its journal as they are mid-write: a crash, copied.
	path := filepath.Join(dir, "crashed.db")
	for _, suffix := range []string{"", "-journal"} {
		data, err := os.ReadFile(src + suffix)
		if err != nil {
			t.Fatalf("no %s to copy: %v", suffix, err)
		}
		if err := os.WriteFile(path+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	raw.Exec(`ROLLBACK`)
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open: got no error, want another program's database refused")
	}
	if !errors.Is(err, ErrForeignDatabase) {
		t.Errorf("Open: %v; want ErrForeignDatabase once the journal is rolled back", err)
	}
	if _, err := os.Stat(path + "-journal"); err == nil {
		t.Error("the hot journal is still there")
	}
}
