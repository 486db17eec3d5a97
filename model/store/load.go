package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"patchbay/model"
)

// LoadConnector returns the named connector exactly as it was saved, lists
// in their saved order and empty lists as nil. An unknown name is an
// ENotFound error.
func (db *DB) LoadConnector(ctx context.Context, name string) (*model.Connector, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("load connector %q: %w", name, err)
	}
	defer rollback(tx)
	c, version, err := loadConnector(ctx, tx, name)
	if err != nil {
		return nil, wrap(err, "load connector %q", name)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	db.sawVersion(c.ID, version)
	return c, nil
}

// loadConnector reads the connector called name, and its version: when it
// was last saved.
func loadConnector(ctx context.Context, tx *sql.Tx, name string) (c *model.Connector, version string, err error) {
	c = &model.Connector{}
	var updated sql.NullString
	err = tx.QueryRowContext(ctx, `
		SELECT id, name, description, api_version, script, rate_limit, updated_at
		FROM connectors WHERE name = ?`, name).
		Scan(&c.ID, &c.Name, &c.Description, &c.ApiVersion, &c.Script, &c.RateLimit, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", model.Errorf(model.ENotFound, "no connector named %q", name)
	}
	if err != nil {
		return nil, "", err
	}
	if c.Authentication, err = loadAuthentication(ctx, tx, c.ID); err != nil {
		return nil, "", fmt.Errorf("authentication: %w", err)
	}
	if c.Parameters, err = loadParameters(ctx, tx, c.ID); err != nil {
		return nil, "", fmt.Errorf("parameters: %w", err)
	}
	if err := loadMethods(ctx, tx, c); err != nil {
		return nil, "", fmt.Errorf("methods: %w", err)
	}
	return c, updated.String, nil
}

func loadAuthentication(ctx context.Context, tx *sql.Tx, connectorID int64) ([]model.Authentication, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT auth_name, auth_type, api_key_header, api_key_query_parameter, token_url, scope, is_default
		FROM auth_methods WHERE connector_id = ? ORDER BY position`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Authentication
	for rows.Next() {
		var a model.Authentication
		if err := rows.Scan(&a.AuthName, &a.AuthType, &a.ApiKeyHeader, &a.ApiKeyQueryParameter, &a.TokenUrl, &a.Scope, &a.IsDefault); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// loadMethods fills c.Methods, with their fields and parameters, for the
// connector whose ID c has.
func loadMethods(ctx context.Context, tx *sql.Tx, c *model.Connector) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM methods WHERE connector_id = ?`, c.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		c.Methods = make([]model.Method, 0, n)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, name, description, category, method_type, http_method, data_type,
			endpoint, ignore_authentication, hide, create_webhook_method,
			delete_webhook_method, script,
			sig_header, sig_algorithm, sig_encoding, sig_prefix,
			sig_secret_parameter, sig_secret_response_field,
			request_fields, response_fields, parameters, rate_limit
		FROM methods WHERE connector_id = ? ORDER BY position`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		all                       []model.Field // the chunk decodeGrid fills
		request, response, params sql.RawBytes
	)
	for rows.Next() {
		var m model.Method
		if err := rows.Scan(&m.ID, &m.Name, &m.Description, &m.Category, &m.MethodType,
			&m.HttpMethod, &m.DataType, &m.Endpoint, &m.IgnoreAuthentication, &m.Hide,
			&m.CreateWebhookMethod, &m.DeleteWebhookMethod, &m.Script,
			&m.WebhookSignature.Header, &m.WebhookSignature.Algorithm, &m.WebhookSignature.Encoding,
			&m.WebhookSignature.Prefix, &m.WebhookSignature.SecretParameter,
			&m.WebhookSignature.SecretResponseField, &request, &response, &params, &m.RateLimit); err != nil {
			return err
		}
		if m.RequestFormat.Fields, all, err = decodeGrid(all, request); err != nil {
			return fmt.Errorf("method %q request format: %w", m.Name, err)
		}
		if m.ResponseFormat.Fields, all, err = decodeGrid(all, response); err != nil {
			return fmt.Errorf("method %q response format: %w", m.Name, err)
		}
		if m.Parameters, err = decodeParameters(params); err != nil {
			return fmt.Errorf("method %q parameters: %w", m.Name, err)
		}
		c.Methods = append(c.Methods, m)
	}
	return rows.Err()
}

// fieldChunk is how many fields decodeGrid allocates room for at a time.
const fieldChunk = 1024

// decodeGrid decodes the packed grid data at the end of chunk and returns
// the grid (nil if empty), with its capacity capped, and chunk with the grid
// in it. Grids share chunks of fieldChunk fields, so a connector's thousands
// of fields take a few allocations rather than one or more per grid; a new
// chunk starts when one is nearly full, and a grid too long for what is left
// moves to a larger one on its own (append), leaving the grids before it
// where they are.
func decodeGrid(chunk []model.Field, data []byte) (grid, rest []model.Field, err error) {
	if cap(chunk)-len(chunk) < 64 {
		chunk = make([]model.Field, 0, fieldChunk)
	}
	start := len(chunk)
	if chunk, err = decodeFields(chunk, data); err != nil {
		return nil, nil, err
	}
	if len(chunk) == start {
		return nil, chunk, nil
	}
	return chunk[start:len(chunk):len(chunk)], chunk, nil
}

// loadParameters returns the connector's own parameters, in order.
func loadParameters(ctx context.Context, tx *sql.Tx, connectorID int64) ([]model.Parameter, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT target_type, target_name, display_name, description, is_hidden,
			is_optional, is_sensitive, is_account_connector_property, is_multiline, values_json
		FROM parameters WHERE connector_id = ? ORDER BY position`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Parameter
	for rows.Next() {
		var p model.Parameter
		var values sql.RawBytes
		if err := rows.Scan(&p.TargetType, &p.TargetName, &p.DisplayName,
			&p.Description, &p.IsHidden, &p.IsOptional, &p.IsSensitive,
			&p.IsAccountConnectorProperty, &p.IsMultiline, &values); err != nil {
			return nil, err
		}
		if p.Values, err = decodeStrings(values); err != nil {
			return nil, fmt.Errorf("parameter %q values: %w", p.TargetName, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListConnectors returns every connector with its methods' names, types and
// Hide flags in their saved order. Connectors are ordered by name, ignoring
// case first.
func (db *DB) ListConnectors(ctx context.Context) ([]model.ConnectorSummary, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list connectors: %w", err)
	}
	defer rollback(tx)
	list, err := listConnectors(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("list connectors: %w", err)
	}
	return list, tx.Commit()
}

func listConnectors(ctx context.Context, tx *sql.Tx) ([]model.ConnectorSummary, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT c.id, c.name, c.updated_at, m.name, m.method_type, m.hide
		FROM connectors c LEFT JOIN methods m ON m.connector_id = c.id
		ORDER BY c.name COLLATE NOCASE, c.name, m.position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ConnectorSummary
	for rows.Next() {
		var (
			id           int64
			name         string
			updated      sql.NullString
			mName, mType sql.NullString
			mHide        sql.NullBool
		)
		if err := rows.Scan(&id, &name, &updated, &mName, &mType, &mHide); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			t, err := parseTime(updated)
			if err != nil {
				return nil, err
			}
			out = append(out, model.ConnectorSummary{ID: id, Name: name, UpdatedAt: t})
		}
		if mName.Valid {
			s := &out[len(out)-1]
			s.Methods = append(s.Methods, model.MethodSummary{
				Name: mName.String, MethodType: model.MethodType(mType.String), Hide: mHide.Bool,
			})
		}
	}
	return out, rows.Err()
}
