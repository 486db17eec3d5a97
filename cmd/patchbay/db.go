package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"patchbay/assets"
	"patchbay/model"
	"patchbay/model/store"
)

// openDB opens the database named by --db, else PATCHBAY_DB, else the
// default; a new database is seeded with the bundled example connector and
// the account values that make its first webhook test work.
func openDB(ctx context.Context, env *cliEnv) (*store.DB, error) {
	path := env.dbPath
	if path == "" {
		path = os.Getenv("PATCHBAY_DB")
	}
	if path == "" {
		p, err := store.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	path, err := homePath(path)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	env.opened = db.Path()
	if db.Created() {
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
