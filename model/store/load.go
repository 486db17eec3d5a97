package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"patchbay/model"
)

// LoadConnector returns the named connector exactly as it was saved, lists
// in their saved order and empty lists as nil. An unknown name is an
// ENotFound error.
func (db *DB) LoadConnector(ctx context.Context, name string) (*model.Connector, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("load connector %q: %w", name, err)
	}
	defer rollback(tx)
	c, err := loadConnector(ctx, tx, name)
	if err != nil {
		return nil, wrap(err, "load connector %q", name)
	}
	return c, tx.Commit()
}

func loadConnector(ctx context.Context, tx *sql.Tx, name string) (*model.Connector, error) {
	c := &model.Connector{}
	err := tx.QueryRowContext(ctx, `
		SELECT id, name, description, api_version, script
		FROM connectors WHERE name = ?`, name).
		Scan(&c.ID, &c.Name, &c.Description, &c.ApiVersion, &c.Script)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.ENotFound, "no connector named %q", name)
	}
	if err != nil {
		return nil, err
	}
	if c.Authentication, err = loadAuthentication(ctx, tx, c.ID); err != nil {
		return nil, fmt.Errorf("authentication: %w", err)
	}
	byOwner, err := loadParameters(ctx, tx, `p.connector_id = ?`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("connector parameters: %w", err)
	}
	c.Parameters = byOwner[0]
	if err := loadMethods(ctx, tx, c); err != nil {
		return nil, fmt.Errorf("methods: %w", err)
	}
	return c, nil
}

func loadAuthentication(ctx context.Context, tx *sql.Tx, connectorID int64) ([]model.Authentication, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT auth_name, auth_type, api_key_header, api_key_query_parameter, is_default
		FROM auth_methods WHERE connector_id = ? ORDER BY position`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Authentication
	for rows.Next() {
		var a model.Authentication
		if err := rows.Scan(&a.AuthName, &a.AuthType, &a.ApiKeyHeader, &a.ApiKeyQueryParameter, &a.IsDefault); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// loadMethods fills c.Methods, with their fields and parameters, for the
// connector whose ID c has.
func loadMethods(ctx context.Context, tx *sql.Tx, c *model.Connector) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, name, description, category, method_type, http_method, data_type,
			endpoint, ignore_authentication, hide, create_webhook_method,
			delete_webhook_method, script,
			sig_header, sig_algorithm, sig_encoding, sig_prefix,
			sig_secret_parameter, sig_secret_response_field
		FROM methods WHERE connector_id = ? ORDER BY position`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := map[int64]int{} // method ID -> index in c.Methods
	for rows.Next() {
		var id int64
		var m model.Method
		if err := rows.Scan(&id, &m.Name, &m.Description, &m.Category, &m.MethodType,
			&m.HttpMethod, &m.DataType, &m.Endpoint, &m.IgnoreAuthentication, &m.Hide,
			&m.CreateWebhookMethod, &m.DeleteWebhookMethod, &m.Script,
			&m.WebhookSignature.Header, &m.WebhookSignature.Algorithm, &m.WebhookSignature.Encoding,
			&m.WebhookSignature.Prefix, &m.WebhookSignature.SecretParameter,
			&m.WebhookSignature.SecretResponseField); err != nil {
			return err
		}
		index[id] = len(c.Methods)
		c.Methods = append(c.Methods, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(c.Methods) == 0 {
		return nil
	}

	if err := loadFields(ctx, tx, c, index); err != nil {
		return err
	}
	byMethod, err := loadParameters(ctx, tx,
		`p.method_id IN (SELECT id FROM methods WHERE connector_id = ?)`, c.ID)
	if err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	for id, ps := range byMethod {
		c.Methods[index[id]].Parameters = ps
	}
	return nil
}

// loadFields fills the Request and Response Format grids of c.Methods;
// index maps a method ID to its index.
//
// The rows come grid by grid, so every grid is a run of one array, counted
// and allocated first: one allocation for all the connector's fields rather
// than a growing slice per grid. Each grid's capacity ends with it, so
// appending to one grid never writes into the next. Data types are scanned
// as plain strings, which database/sql assigns without reflection.
func loadFields(ctx context.Context, tx *sql.Tx, c *model.Connector, index map[int64]int) error {
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT count(*) FROM fields f JOIN methods m ON m.id = f.method_id
		WHERE m.connector_id = ?`, c.ID).Scan(&n); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT f.method_id, f.format, f.connector_field, f.system_field, f.display_name,
			f.description, f.data_type, f.is_hidden, f.is_optional, f.default_value
		FROM fields f JOIN methods m ON m.id = f.method_id
		WHERE m.connector_id = ?
		ORDER BY m.position, f.format, f.position`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		all      = make([]model.Field, 0, n)
		grids    []*[]model.Field // the grid of each run, in order
		starts   []int            // where each run starts in all
		lastID   int64
		lastGrid string
		// The row's values; declared once, as Scan makes them escape.
		methodID         int64
		format, dataType string
		f                model.Field
	)
	for rows.Next() {
		if err := rows.Scan(&methodID, &format, &f.ConnectorField, &f.SystemField, &f.DisplayName,
			&f.Description, &dataType, &f.IsHidden, &f.IsOptional, &f.DefaultValue); err != nil {
			return err
		}
		f.DataType = model.FieldType(dataType)
		if len(grids) == 0 || methodID != lastID || format != lastGrid {
			m := &c.Methods[index[methodID]]
			grid := &m.RequestFormat.Fields
			if format == formatResponse {
				grid = &m.ResponseFormat.Fields
			}
			grids, starts = append(grids, grid), append(starts, len(all))
			lastID, lastGrid = methodID, format
		}
		all = append(all, f)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, grid := range grids {
		end := len(all)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		*grid = all[starts[i]:end:end]
	}
	return nil
}

// loadParameters returns the parameters matching where (a condition on
// parameters p, with one argument arg), in order, grouped by owning method
// ID; connector parameters are under 0.
func loadParameters(ctx context.Context, tx *sql.Tx, where string, arg int64) (map[int64][]model.Parameter, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT coalesce(p.method_id, 0), p.target_type, p.target_name, p.display_name,
			p.description, p.is_hidden, p.is_optional, p.is_sensitive,
			p.is_account_connector_property, p.is_multiline, p.values_json
		FROM parameters p
		WHERE `+where+`
		ORDER BY p.method_id, p.position`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]model.Parameter{}
	for rows.Next() {
		var owner int64
		var p model.Parameter
		var values string
		if err := rows.Scan(&owner, &p.TargetType, &p.TargetName, &p.DisplayName,
			&p.Description, &p.IsHidden, &p.IsOptional, &p.IsSensitive,
			&p.IsAccountConnectorProperty, &p.IsMultiline, &values); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(values), &p.Values); err != nil {
			return nil, fmt.Errorf("parameter %q values: %w", p.TargetName, err)
		}
		if len(p.Values) == 0 {
			p.Values = nil
		}
		out[owner] = append(out[owner], p)
	}
	return out, rows.Err()
}

// ListConnectors returns every connector with its methods' names, types and
// Hide flags in their saved order. Connectors are ordered by name, ignoring
// case first.
func (db *DB) ListConnectors(ctx context.Context) ([]model.ConnectorSummary, error) {
	tx, err := db.db.BeginTx(ctx, nil)
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
