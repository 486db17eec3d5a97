// Package store keeps Patchbay's data in a SQLite file (mattn/go-sqlite3): the
// connector definitions, the account values a test run uses, the webhook
// ledger and the run history. *DB implements model.Connectors,
// model.WebhookLedger and model.RunHistory.
//
// The schema is created and upgraded by numbered SQL migrations embedded in
// the binary (migrations/NNNN_name.sql), each applied in its own transaction
// and recorded in the schema_migrations table. A database written by a newer
// Patchbay is refused rather than used.
//
// Every connection runs in WAL mode with foreign keys on, a 5 s busy timeout,
// BEGIN IMMEDIATE transactions and synchronous=FULL, so that a commit (a
// webhook ledger row above all) is on disk when the call returns.
//
// Conventions: exported methods own the transaction; lowercase
// (ctx, tx, ...) helpers do the SQL. Times are stored as UTC text with fixed
// nanoseconds (2006-01-02T15:04:05.000000000Z), which sorts as it reads, and
// load in UTC. Empty lists and maps load as nil, whether they were saved nil
// or empty, so that a connector round-trips under reflect.DeepEqual when built
// with nil for "none".
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"patchbay/model"
)

// The interfaces *DB implements.
var (
	_ model.Connectors    = (*DB)(nil)
	_ model.WebhookLedger = (*DB)(nil)
	_ model.RunHistory    = (*DB)(nil)
)

// ErrNotDatabase is wrapped by Open's error when the file is not a SQLite
// database: another kind of file, or a corrupt one.
var ErrNotDatabase = errors.New("not a SQLite database")

// ErrForeignDatabase is wrapped by Open's error when the file is a SQLite
// database that Patchbay did not create.
var ErrForeignDatabase = errors.New("not a Patchbay database")

// ErrNewerSchema is wrapped by Open's error when the database was written by
// a newer Patchbay, whose schema this build does not know.
var ErrNewerSchema = errors.New("database schema is newer than this build of Patchbay")

// ErrLocked is wrapped by Open's error when another program (or another
// Patchbay) holds the database's write lock for longer than the busy
// timeout.
var ErrLocked = errors.New("locked by another program")

// ErrReadOnly is wrapped by Open's error when the file, or the folder that
// must hold its -wal and -shm files, cannot be written.
var ErrReadOnly = errors.New("read-only")

// ErrDamaged is wrapped by the error of Open, or of any later call, when
// SQLite finds the database file damaged past its header.
var ErrDamaged = errors.New("damaged")

// busyTimeout is how long a connection waits for another writer's lock.
const busyTimeout = 5 * time.Second

// sqliteHeader is how every SQLite database file begins.
var sqliteHeader = []byte("SQLite format 3\x00")

// DB is an open Patchbay database.
type DB struct {
	db *sql.DB
	// rd reads: its transactions are deferred, so that in WAL mode they
	// read a snapshot without waiting for another process's write (db's
	// transactions take the write lock at once, which saves need).
	rd      *sql.DB
	path    string
	created bool
	// now is the clock; tests may replace it.
	now func() time.Time

	// seen holds, by connector ID, the updated_at this handle last loaded
	// or saved the connector with: a save over a version saved since by
	// another handle (another Patchbay, another window) is refused once.
	seenMu sync.Mutex
	seen   map[int64]string
}

// sawVersion notes the version of a connector this handle loaded or saved.
func (db *DB) sawVersion(id int64, updatedAt string) {
	db.seenMu.Lock()
	defer db.seenMu.Unlock()
	if db.seen == nil {
		db.seen = map[int64]string{}
	}
	db.seen[id] = updatedAt
}

// versionSeen returns the version of a connector this handle last saw.
func (db *DB) versionSeen(id int64) (string, bool) {
	db.seenMu.Lock()
	defer db.seenMu.Unlock()
	v, ok := db.seen[id]
	return v, ok
}

// forgetVersion drops it, so that the next save overwrites.
func (db *DB) forgetVersion(id int64) {
	db.seenMu.Lock()
	defer db.seenMu.Unlock()
	delete(db.seen, id)
}

// DefaultPath returns where Patchbay keeps its database unless told
// otherwise: os.UserConfigDir()/patchbay/patchbay.db.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the default database location: %w", err)
	}
	return filepath.Join(dir, "patchbay", "patchbay.db"), nil
}

// Open opens the database at path, creating it and its parent directory
// (mode 0700) if missing, and brings its schema up to date. A file that is
// not a SQLite database is refused with an error wrapping ErrNotDatabase and
// left untouched; a database from a newer Patchbay gives ErrNewerSchema.
func Open(path string) (*DB, error) {
	return openAt(context.Background(), path, -1)
}

// openAt is Open applying migrations up to version upTo only (all if
// upTo < 0), so that tests can make a database of an older schema.
func openAt(ctx context.Context, path string, upTo int) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: no path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open database %s: create its folder: %w", abs, err)
	}
	if err := checkHeader(abs); err != nil {
		return nil, err
	}
	if err := checkWritable(abs); err != nil {
		return nil, err
	}
	if err := checkForeign(ctx, abs); err != nil {
		return nil, openError(abs, err)
	}

	sqldb, err := sql.Open("sqlite3", dsn(abs, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db := &DB{db: sqldb, path: abs, now: time.Now}
	if err := ping(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, openError(abs, err)
	}
	if err := db.checkIntact(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	if err := db.migrate(ctx, upTo); err != nil {
		sqldb.Close()
		return nil, openError(abs, err)
	}
	if db.rd, err = sql.Open("sqlite3", dsn(abs, "deferred")); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	return db, nil
}

// dsn is the go-sqlite3 data source name for the file at the absolute path
// abs: a file: URI, so that any character may appear in the path.
func dsn(abs, txlock string) string {
	u := fileURL(abs)
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_txlock", txlock)
	return u.String() + "?" + q.Encode()
}

// checkIntact runs SQLite's quick_check before anything is written, so
// that a file damaged past its first page is refused as it is instead of
// being written to (about 3 ms for a connector of 500 methods).
func (db *DB) checkIntact(ctx context.Context) error {
	var first string
	err := db.db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&first)
	switch {
	case err != nil && Damaged(err, db.path) == nil:
		return openError(db.path, err)
	case err != nil:
		return Damaged(err, db.path)
	case first != "ok":
		return damaged(db.path, first)
	}
	return nil
}

// Damaged explains an error that says the database file at path is
// damaged, as SQLite can find at any time; nil for any other error.
func Damaged(err error, path string) error {
	var serr sqlite3.Error
	if errors.Is(err, ErrDamaged) || !errors.As(err, &serr) || (serr.Code != sqlite3.ErrCorrupt && serr.Code != sqlite3.ErrNotADB) {
		return nil
	}
	return damaged(path, serr.Error())
}

func damaged(path, why string) error {
	// quick_check's first finding, such as "*** in database main ***\n
	// Tree 9 page 9: btreeInitPage() returns error code 11", on one line.
	why = strings.TrimSpace(strings.TrimPrefix(why, "*** in database main ***"))
	why = strings.ReplaceAll(why, "\n", "; ")
	return fmt.Errorf("the database file %s is %w (%s); write nothing more to it: restore a backup, "+
		"or save what is left with 'sqlite3 %s .recover | sqlite3 recovered.db' and use --db recovered.db", path, ErrDamaged, why, path)
}

// fileURL is the file: URI of the absolute path abs.
func fileURL(abs string) url.URL {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	return url.URL{Scheme: "file", Path: p}
}

// IsDatabaseFile reports whether the file at path begins like a SQLite
// database: a file no export should overwrite. A missing file is not one.
func IsDatabaseFile(path string) (bool, error) {
	// Opening a named pipe would wait for a writer: look first.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return false, nil // a folder or a device is no database file
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false, err // a folder or a device is no database file
	}
	head := make([]byte, len(sqliteHeader))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, sqliteHeader), nil
}

// checkHeader refuses an existing, non-empty file that does not begin like
// a SQLite database, before SQLite is given a chance to touch it.
func checkHeader(abs string) error {
	// Opening a named pipe would wait for a writer: look first.
	if fi, err := os.Stat(abs); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("open database %s: %w: it is a %s, not a file; it was left as it is", abs, ErrNotDatabase, FileKind(fi.Mode()))
	}
	f, err := os.Open(abs)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", abs, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && (err == io.EOF):
		return nil // an empty file is a new database
	case errors.Is(err, io.ErrUnexpectedEOF) || (err == nil && !bytes.Equal(head, sqliteHeader)):
		return fmt.Errorf("open database %s: %w (another kind of file, or a damaged one); it was left as it is", abs, ErrNotDatabase)
	case err != nil:
		return fmt.Errorf("open database %s: %w", abs, err)
	}
	return nil
}

// FileKind names the kind of a file that is not a regular one: a folder,
// a named pipe, a socket, a device.
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// checkForeign refuses a SQLite database of another program before Open's
// connection turns it to WAL mode, which changes the file. Patchbay makes
// its databases in WAL mode, so only one in rollback-journal mode (byte 18
// of the header is 1) is looked into, through a read-only connection: one
// with tables and no schema_migrations table is another program's.
func checkForeign(ctx context.Context, abs string) error {
	f, err := os.Open(abs)
	if err != nil {
		return nil // missing: a new database; unreadable: checkWritable said so
	}
	head := make([]byte, 20)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || head[18] != 1 {
		return nil
	}
	u := fileURL(abs)
	if _, err := os.Stat(abs + "-journal"); err == nil {
		// A hot journal, left by a program that stopped mid-write: a
		// read-only connection cannot roll it back, and fails. A plain
		// connection, which changes nothing else (no WAL yet), reads the
		// schema and so rolls it back, as any SQLite program would.
		if err := recoverJournal(ctx, u.String()); err != nil {
			return err
		}
	}
	ro, err := sql.Open("sqlite3", u.String()+"?mode=ro")
	if err != nil {
		return err
	}
	defer ro.Close()
	tracked, others, err := countTables(ctx, ro)
	switch {
	case err != nil:
		return err
	case tracked == 0 && others > 0:
		return fmt.Errorf("%w: it has tables but no schema_migrations table; it was left as it is", ErrForeignDatabase)
	}
	return nil
}

// recoverJournal opens the database at the file: URI with no settings of
// Patchbay's and reads its schema, which rolls back a hot journal.
func recoverJournal(ctx context.Context, uri string) error {
	rw, err := sql.Open("sqlite3", uri)
	if err != nil {
		return err
	}
	defer rw.Close()
	var n int
	return rw.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
}

// checkWritable refuses an existing file that this user may not write,
// before SQLite opens it read-only and leaves -wal and -shm files beside it.
func checkWritable(abs string) error {
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("open database %s: the file is %w, and Patchbay must write to it (connectors, account values, the webhook ledger, run history): make it writable, or use another database file; it was left as it is", abs, ErrReadOnly)
	}
	return nil // missing (a new database) or not a file: opening it says why
}

// ping opens the first connection, which switches a new file to WAL mode.
// SQLite does not wait for the lock that switch takes, so two Patchbays
// opening one new file at once may be told "database is locked" at once:
// try again for as long as the busy timeout.
func ping(ctx context.Context, sqldb *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := sqldb.PingContext(ctx)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return err
		}
	}
}

func isBusy(err error) bool {
	var serr sqlite3.Error
	return errors.As(err, &serr) && (serr.Code == sqlite3.ErrBusy || serr.Code == sqlite3.ErrLocked)
}

// lockAdvice adds what to do to an error that says another program holds
// the database's lock, as Open says it; other errors it leaves alone.
func lockAdvice(err error) error {
	if !isBusy(err) {
		return err
	}
	return fmt.Errorf("%w, still after %s: another program or Patchbay is writing to it; close it, or try again when it has finished", err, busyTimeout)
}

// openError words an error from opening or migrating the database at abs.
func openError(abs string, err error) error {
	var serr sqlite3.Error
	if !errors.As(err, &serr) {
		return fmt.Errorf("open database %s: %w", abs, err)
	}
	switch serr.Code {
	case sqlite3.ErrNotADB, sqlite3.ErrCorrupt:
		return fmt.Errorf("open database %s: %w (another kind of file, or a damaged one: %v); it was left as it is", abs, ErrNotDatabase, err)
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return fmt.Errorf("open database %s: it is %w (%v, still after %s): close the other program or Patchbay using it, or try again when it has finished", abs, ErrLocked, err, busyTimeout)
	case sqlite3.ErrReadonly, sqlite3.ErrCantOpen:
		dir := filepath.Dir(abs)
		if dirWritable(dir) {
			break
		}
		if _, serr := os.Stat(abs); errors.Is(serr, os.ErrNotExist) {
			return fmt.Errorf("open database %s: the file cannot be created: its folder %s is %w: make the folder writable, or choose a file in another folder", abs, dir, ErrReadOnly)
		}
		return fmt.Errorf("open database %s: the database cannot be written: its folder %s is %w, and SQLite keeps the database's -wal and -shm files beside it (%v): make the folder writable, or move the database to another folder; it was left as it is", abs, dir, ErrReadOnly, err)
	}
	return fmt.Errorf("open database %s: %w", abs, err)
}

// dirWritable reports whether a file can be made in dir; it is asked only
// once opening has failed, to say why.
func dirWritable(dir string) bool {
	f, err := os.CreateTemp(dir, ".patchbay-write-check-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// Close closes the database.
func (db *DB) Close() error {
	if db.rd != nil {
		db.rd.Close()
	}
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Created reports whether Open made a new, empty database, so that the
// caller seeds it (with the bundled example connector, say).
func (db *DB) Created() bool { return db.created }

// timeFormat is how times are stored: UTC, fixed-width, sortable as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime returns t as stored, or nil (SQL NULL) for the zero time.
func formatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

// parseTime reads a stored time; NULL is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t.UTC(), nil
}

// nowUTC returns the current time as it will load back: UTC, no monotonic
// reading, nanosecond precision.
func (db *DB) nowUTC() time.Time { return db.now().UTC().Round(0) }

// rollback ends tx if it is still open; it is deferred after every BeginTx.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }

// wrap adds context to err unless it is a *model.Error, whose message is
// already written for the user.
func wrap(err error, format string, args ...any) error {
	if model.ErrorCodeOf(err) != "" {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
