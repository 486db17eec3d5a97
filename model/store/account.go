package store

import (
	"context"
	"database/sql"
	"fmt"

	"patchbay/model"
)

// AccountValues returns the named connector's account values by key: auth
// values and Account Connector Property values. They are secrets as much as
// settings, and never leave this database through an export. A connector
// with none gives an empty, non-nil map; an unknown connector an ENotFound
// error.
func (db *DB) AccountValues(ctx context.Context, connector string) (map[string]string, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("account values of %q: %w", connector, err)
	}
	defer rollback(tx)
	values, err := accountValues(ctx, tx, connector)
	if err != nil {
		return nil, wrap(err, "account values of %q", connector)
	}
	return values, tx.Commit()
}

func accountValues(ctx context.Context, tx *sql.Tx, connector string) (map[string]string, error) {
	id, err := connectorID(ctx, tx, connector)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM account_values WHERE connector_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	values := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		values[k] = v
	}
	return values, rows.Err()
}

// SetAccountValues sets the given account values of the named connector in
// one transaction, leaving other keys as they are; an empty value removes its
// key. An empty key is an EInvalid error, an unknown connector ENotFound.
func (db *DB) SetAccountValues(ctx context.Context, connector string, values map[string]string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set account values of %q: %w", connector, err)
	}
	defer rollback(tx)
	if err := setAccountValues(ctx, tx, connector, values); err != nil {
		return wrap(err, "set account values of %q", connector)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set account values of %q: %w", connector, err)
	}
	return nil
}

// KeepAccountValues sets account values a run learnt (a refresh token the
// OAuth2 provider rotated) on the connector with the given ID, under
// whatever name it has now: a rename saved while the run went on must not
// lose them. It returns that name; a connector deleted meanwhile is an
// ENotFound error.
func (db *DB) KeepAccountValues(ctx context.Context, connectorID int64, values map[string]string) (string, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("keep account values: %w", err)
	}
	defer rollback(tx)
	name, err := nameNow(ctx, tx, "", `SELECT name FROM connectors WHERE id = ?`, connectorID)
	switch {
	case err != nil:
		return "", fmt.Errorf("keep account values: %w", err)
	case name == "":
		return "", model.Errorf(model.ENotFound, "keep account values: the connector was deleted")
	}
	if err := setAccountValues(ctx, tx, name, values); err != nil {
		return "", wrap(err, "keep account values of %q", name)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("keep account values of %q: %w", name, err)
	}
	return name, nil
}

func setAccountValues(ctx context.Context, tx *sql.Tx, connector string, values map[string]string) error {
	id, err := connectorID(ctx, tx, connector)
	if err != nil {
		return err
	}
	for k, v := range values {
		if k == "" {
			return model.Errorf(model.EInvalid, "an account value of %q has no key", connector)
		}
		if v == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM account_values WHERE connector_id = ? AND key = ?`, id, k)
		} else {
			_, err = tx.ExecContext(ctx, `
				INSERT INTO account_values (connector_id, key, value) VALUES (?, ?, ?)
				ON CONFLICT (connector_id, key) DO UPDATE SET value = excluded.value`, id, k, v)
		}
		if err != nil {
			return fmt.Errorf("account value %q: %w", k, err)
		}
	}
	return nil
}
