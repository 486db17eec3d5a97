package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"patchbay/assets"
	"patchbay/model"
	"patchbay/model/store"
)

// openDB opens the database named by --db, else PATCHBAY_DB, else the
// default. A database named by --db or PATCHBAY_DB must exist already:
// a mistyped path is reported, not made into a new database holding the
// example. Only the default database is made on first use.
func openDB(ctx context.Context, env *cliEnv) (*store.DB, error) {
	path, named, err := dbPath(env)
	if err != nil {
		return nil, err
	}
	if named {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, noDatabase(path)
		}
	}
	return open(ctx, env, path, true)
}

// createDB is openDB for the verbs that make a database where none is:
// the window, whose new database is seeded with the bundled example
// connector and the account values that make its first webhook test work,
// and import, whose new database holds only what it imports (seedExample
// false): the example could clash with it.
func createDB(ctx context.Context, env *cliEnv, seedExample bool) (*store.DB, error) {
	path, _, err := dbPath(env)
	if err != nil {
		return nil, err
	}
	return open(ctx, env, path, seedExample)
}

// dbPath is the database file to open, and whether the user named it
// (by --db or PATCHBAY_DB) rather than taking the default.
func dbPath(env *cliEnv) (path string, named bool, err error) {
	path = env.dbPath
	if path == "" {
		path = os.Getenv("PATCHBAY_DB")
	}
	if path == "" {
		p, err := store.DefaultPath()
		return p, false, err
	}
	path, err = homePath(path)
	return path, true, err
}

// noDatabase says that a named database file is missing, and how to make one.
func noDatabase(path string) error {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return fmt.Errorf("no database at %s: check the path; 'patchbay import FILE --db PATH' or the window ('patchbay gui --db PATH') makes a new one", path)
}

// open opens or creates the database at path, seeding a new one if asked.
func open(ctx context.Context, env *cliEnv, path string, seedExample bool) (*store.DB, error) {
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	env.opened = db.Path()
	if db.Created() && seedExample {
		if err := seed(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("seed the new database %s: %w", path, err)
		}
	}
	return db, nil
}

// seed stores the bundled example connector and its account values.
func seed(ctx context.Context, db *store.DB) error {
	c, err := model.Import(assets.ExampleConnector)
	if err != nil {
		return fmt.Errorf("the bundled example: %w", err)
	}
	if err := db.SaveConnector(ctx, c); err != nil {
		return err
	}
	return db.SetAccountValues(ctx, c.Name, assets.ExampleAccountValues)
}

// openConnector opens the database and loads the named connector; the
// caller closes the database.
func openConnector(ctx context.Context, env *cliEnv, name string) (*store.DB, *model.Connector, error) {
	db, err := openDB(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	c, err := loadConnector(ctx, db, name)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, c, nil
}

// homePath reads a leading ~/ as the home folder, as a shell would have
// but does not after --db= or in PATCHBAY_DB="~/...".
func homePath(path string) (string, error) {
	rest, ok := strings.CutPrefix(path, "~"+string(filepath.Separator))
	if !ok {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("database %s: %w", path, err)
	}
	return filepath.Join(home, rest), nil
}
