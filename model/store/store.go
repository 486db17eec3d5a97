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
	"net/url"
	"os"
	"path/filepath"
	"strings"
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

// busyTimeout is how long a connection waits for another writer's lock.
const busyTimeout = 5 * time.Second

// sqliteHeader is how every SQLite database file begins.
var sqliteHeader = []byte("SQLite format 3\x00")

// DB is an open Patchbay database.
type DB struct {
	db      *sql.DB
	path    string
	created bool
	// now is the clock; tests may replace it.
	now func() time.Time
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

	sqldb, err := sql.Open("sqlite3", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db := &DB{db: sqldb, path: abs, now: time.Now}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, openError(abs, err)
	}
	if err := db.migrate(ctx, upTo); err != nil {
		sqldb.Close()
		return nil, openError(abs, err)
	}
	return db, nil
}

// dsn is the go-sqlite3 data source name for the file at the absolute path
// abs: a file: URI, so that any character may appear in the path.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// checkHeader refuses an existing, non-empty file that does not begin like
// a SQLite database, before SQLite is given a chance to touch it.
func checkHeader(abs string) error {
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

// openError words an error from opening or migrating the database at abs.
func openError(abs string, err error) error {
	var serr sqlite3.Error
	if errors.As(err, &serr) && (serr.Code == sqlite3.ErrNotADB || serr.Code == sqlite3.ErrCorrupt) {
		return fmt.Errorf("open database %s: %w (another kind of file, or a damaged one: %v); it was left as it is", abs, ErrNotDatabase, err)
	}
	return fmt.Errorf("open database %s: %w", abs, err)
}

// Close closes the database.
func (db *DB) Close() error {
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
