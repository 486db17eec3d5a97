package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// migrationFS holds the schema migrations, applied in the order of their
// numbers. Never edit a migration once released: add the next one.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string // file name, such as 0001_definitions.sql
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// migrations returns the embedded migrations in order, checking that they
// are numbered 1, 2, 3, ... without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for i, name := range names {
		base := path.Base(name)
		m := migrationName.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_words.sql", base)
		}
		v, _ := strconv.Atoi(m[1])
		if v != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %04d", base, i+1)
		}
		text, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(text)})
	}
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations not yet
// applied, up to version upTo (all if upTo < 0). db.created says whether
// the database had no schema at all before (see prepareMigrationTable).
func (db *DB) migrate(ctx context.Context, upTo int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if err := db.prepareMigrationTable(ctx); err != nil {
		return err
	}
	applied, err := appliedVersions(ctx, db.db)
	if err != nil {
		return err
	}
	for v := range applied {
		if v > len(ms) {
			return fmt.Errorf("%w: it is at version %d, this build knows up to %d; use a newer Patchbay", ErrNewerSchema, maxVersion(applied), len(ms))
		}
	}
	for _, m := range ms {
		if upTo >= 0 && m.version > upTo {
			break
		}
		if applied[m.version] {
			continue
		}
		if err := db.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// prepareMigrationTable creates schema_migrations in a database that has no
// tables yet, and refuses a database holding other tables without it: that
// is some other program's database. Making the table sets db.created: it
// happens under the write lock, so of two Patchbays opening one new file at
// once only one is told it created the database (and seeds it).
func (db *DB) prepareMigrationTable(ctx context.Context) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	tracked, others, err := countTables(ctx, tx)
	if err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	if tracked == 1 {
		return nil
	}
	if others > 0 {
		return fmt.Errorf("%w: it has tables but no schema_migrations table", ErrForeignDatabase)
	}
	if _, err := tx.ExecContext(ctx, `
		CREATE TABLE schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.created = true
	return nil
}

// countTables counts the schema_migrations table (0 or 1) and the other
// tables of a database, SQLite's own left out.
func countTables(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (tracked, others int, err error) {
	err = q.QueryRowContext(ctx, `
		SELECT
			count(*) FILTER (WHERE name = 'schema_migrations'),
			count(*) FILTER (WHERE name <> 'schema_migrations')
		FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&tracked, &others)
	return tracked, others, err
}

// appliedVersions returns the versions recorded in schema_migrations.
func appliedVersions(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

func maxVersion(applied map[int]bool) int {
	hi := 0
	for v := range applied {
		hi = max(hi, v)
	}
	return hi
}

// applyMigration runs m and records it, in one transaction. It checks
// again under the write lock, so that two Patchbays opening the same new
// file do not both apply it.
func (db *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, formatTime(db.nowUTC())); err != nil {
		return fmt.Errorf("migration %s: record it: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	return nil
}
