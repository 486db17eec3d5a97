package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/model"
)

// SaveConnector writes the whole connector in one transaction, all or
// nothing. A new connector (ID zero) is inserted and c.ID set once the
// transaction has committed; an existing one has its row updated and all its
// authentication methods, parameters, methods and fields replaced. Its
// account values are kept. A name another connector has is an EConflict
// error, an ID that is not stored an ENotFound one.
func (db *DB) SaveConnector(ctx context.Context, c *model.Connector) error {
	if c == nil {
		return model.Errorf(model.EInvalid, "save connector: no connector given")
	}
	if strings.TrimSpace(c.Name) == "" {
		return model.Errorf(model.EInvalid, "save connector: a connector needs a name")
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save connector %q: %w", c.Name, err)
	}
	defer rollback(tx)
	id, err := saveConnector(ctx, tx, c, db.nowUTC())
	if err != nil {
		return wrap(err, "save connector %q", c.Name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save connector %q: %w", c.Name, err)
	}
	c.ID = id
	return nil
}

// saveConnector writes c and returns its ID, leaving c itself unchanged.
func saveConnector(ctx context.Context, tx *sql.Tx, c *model.Connector, now time.Time) (int64, error) {
	other, err := connectorID(ctx, tx, c.Name)
	if err != nil && model.ErrorCodeOf(err) != model.ENotFound {
		return 0, err
	}
	if err == nil && other != c.ID {
		return 0, model.Errorf(model.EConflict, "a connector named %q exists already", c.Name)
	}

	id := c.ID
	if id == 0 {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO connectors (name, description, api_version, script, updated_at)
			VALUES (?, ?, ?, ?, ?)`,
			c.Name, c.Description, c.ApiVersion, c.Script, formatTime(now))
		if err != nil {
			return 0, err
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	} else {
		res, err := tx.ExecContext(ctx, `
			UPDATE connectors
			SET name = ?, description = ?, api_version = ?, script = ?, updated_at = ?
			WHERE id = ?`,
			c.Name, c.Description, c.ApiVersion, c.Script, formatTime(now), id)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if n == 0 {
			return 0, model.Errorf(model.ENotFound, "no stored connector has ID %d (was it deleted?)", id)
		}
		if err := deleteConnectorChildren(ctx, tx, id); err != nil {
			return 0, err
		}
	}

	if err := insertAuthentication(ctx, tx, id, c.Authentication); err != nil {
		return 0, err
	}
	if err := insertParameters(ctx, tx, "connector_id", id, c.Parameters); err != nil {
		return 0, fmt.Errorf("connector parameters: %w", err)
	}
	for i := range c.Methods {
		if err := insertMethod(ctx, tx, id, i, &c.Methods[i]); err != nil {
			return 0, fmt.Errorf("method %d %q: %w", i+1, c.Methods[i].Name, err)
		}
	}
	return id, nil
}

// connectorID returns the ID of the named connector, or an ENotFound error.
func connectorID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM connectors WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, model.Errorf(model.ENotFound, "no connector named %q", name)
	}
	return id, err
}

// deleteConnectorChildren removes a connector's definition rows (fields and
// method parameters go with their methods), but not its account values.
func deleteConnectorChildren(ctx context.Context, tx *sql.Tx, id int64) error {
	for _, q := range []string{
		`DELETE FROM auth_methods WHERE connector_id = ?`,
		`DELETE FROM parameters WHERE connector_id = ?`,
		`DELETE FROM methods WHERE connector_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

func insertAuthentication(ctx context.Context, tx *sql.Tx, connectorID int64, auths []model.Authentication) error {
	for i, a := range auths {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO auth_methods (connector_id, position, auth_name, auth_type,
				api_key_header, api_key_query_parameter, is_default)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			connectorID, i, a.AuthName, string(a.AuthType),
			a.ApiKeyHeader, a.ApiKeyQueryParameter, a.IsDefault)
		if err != nil {
			return fmt.Errorf("authentication %d %q: %w", i+1, a.AuthName, err)
		}
	}
	return nil
}

// insertParameters writes ps as the parameters of the connector or method
// whose ID is ownerID; owner is the column naming it.
func insertParameters(ctx context.Context, tx *sql.Tx, owner string, ownerID int64, ps []model.Parameter) error {
	q := `INSERT INTO parameters (` + owner + `, position, target_type, target_name,
			display_name, description, is_hidden, is_optional, is_sensitive,
			is_account_connector_property, is_multiline, values_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for i, p := range ps {
		values := p.Values
		if values == nil {
			values = []string{}
		}
		vj, err := json.Marshal(values)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, q, ownerID, i, string(p.TargetType), p.TargetName,
			p.DisplayName, p.Description, p.IsHidden, p.IsOptional, p.IsSensitive,
			p.IsAccountConnectorProperty, p.IsMultiline, string(vj))
		if err != nil {
			return fmt.Errorf("parameter %d %q: %w", i+1, p.TargetName, err)
		}
	}
	return nil
}

// insertMethod writes m at position pos, with its grids and parameters.
func insertMethod(ctx context.Context, tx *sql.Tx, connectorID int64, pos int, m *model.Method) error {
	sig := m.WebhookSignature
	res, err := tx.ExecContext(ctx, `
		INSERT INTO methods (connector_id, position, name, description, category,
			method_type, http_method, data_type, endpoint, ignore_authentication,
			hide, create_webhook_method, delete_webhook_method, script,
			sig_header, sig_algorithm, sig_encoding, sig_prefix,
			sig_secret_parameter, sig_secret_response_field)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		connectorID, pos, m.Name, m.Description, m.Category,
		string(m.MethodType), m.HttpMethod, string(m.DataType), m.Endpoint, m.IgnoreAuthentication,
		m.Hide, m.CreateWebhookMethod, m.DeleteWebhookMethod, m.Script,
		sig.Header, sig.Algorithm, sig.Encoding, sig.Prefix,
		sig.SecretParameter, sig.SecretResponseField)
	if err != nil {
		return err
	}
	methodID, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if err := insertFields(ctx, tx, methodID, formatRequest, m.RequestFormat.Fields); err != nil {
		return fmt.Errorf("request format: %w", err)
	}
	if err := insertFields(ctx, tx, methodID, formatResponse, m.ResponseFormat.Fields); err != nil {
		return fmt.Errorf("response format: %w", err)
	}
	return insertParameters(ctx, tx, "method_id", methodID, m.Parameters)
}

// The values of fields.format.
const (
	formatRequest  = "request"
	formatResponse = "response"
)

func insertFields(ctx context.Context, tx *sql.Tx, methodID int64, format string, fs []model.Field) error {
	for i, f := range fs {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO fields (method_id, format, position, connector_field, system_field,
				display_name, description, data_type, is_hidden, is_optional, default_value)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			methodID, format, i, f.ConnectorField, f.SystemField,
			f.DisplayName, f.Description, string(f.DataType), f.IsHidden, f.IsOptional, f.DefaultValue)
		if err != nil {
			return fmt.Errorf("field %d %q: %w", i+1, f.ConnectorField, err)
		}
	}
	return nil
}

// DeleteConnector removes the named connector with its definition and
// account values. Webhook ledger rows and run history, which name the
// connector by text, stay. An unknown name is an ENotFound error.
func (db *DB) DeleteConnector(ctx context.Context, name string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete connector %q: %w", name, err)
	}
	defer rollback(tx)
	if err := deleteConnector(ctx, tx, name); err != nil {
		return wrap(err, "delete connector %q", name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete connector %q: %w", name, err)
	}
	return nil
}

func deleteConnector(ctx context.Context, tx *sql.Tx, name string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM connectors WHERE name = ?`, name)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return model.Errorf(model.ENotFound, "no connector named %q", name)
	}
	return nil
}
