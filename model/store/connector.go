package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"patchbay/model"
)

// SaveConnector writes the whole connector in one transaction, all or
// nothing. A new connector (ID zero) is inserted and c.ID set once the
// transaction has committed; an existing one has its row updated and all its
// authentication methods, parameters and methods (with their fields) replaced. Its
// account values are kept. A name another connector has is an EConflict
// error, an ID that is not stored an ENotFound one, a Rate Limit that is
// NaN (which SQLite cannot store) an EInvalid one. A connector this handle
// loaded, and another handle saved since, is an EConflict error once: the
// next save overwrites.
func (db *DB) SaveConnector(ctx context.Context, c *model.Connector) error {
	if c == nil {
		return model.Errorf(model.EInvalid, "save connector: no connector given")
	}
	if strings.TrimSpace(c.Name) == "" {
		return model.Errorf(model.EInvalid, "save connector: a connector needs a name")
	}
	if what := nanRateLimit(c); what != "" {
		return model.Errorf(model.EInvalid, "save connector %q: %s is not a number: give one, or 0 for none", c.Name, what)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save connector %q: %w", c.Name, lockAdvice(err))
	}
	defer rollback(tx)
	if seen, ok := db.versionSeen(c.ID); ok && c.ID != 0 {
		var now sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT updated_at FROM connectors WHERE id = ?`, c.ID).Scan(&now)
		if err == nil && now.String != seen {
			// Refused once: the next save overwrites, as the author chose.
			db.forgetVersion(c.ID)
			return model.Errorf(model.EConflict, "save connector %q: it was saved from another window or Patchbay since it was opened here, "+
				"and saving now would undo those changes; yours are not saved yet: save again to overwrite the other ones, "+
				"or copy yours aside and reopen the connector to see them", c.Name)
		}
	}
	now := db.nowUTC()
	id, methodIDs, err := saveConnector(ctx, tx, c, now)
	if err != nil {
		return wrap(lockAdvice(err), "save connector %q", c.Name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save connector %q: %w", c.Name, lockAdvice(err))
	}
	c.ID = id
	for i := range c.Methods {
		c.Methods[i].ID = methodIDs[i]
	}
	db.sawVersion(id, formatTime(now).(string))
	return nil
}

// saveConnector writes c and returns its ID and its methods' IDs, leaving
// c itself unchanged.
func saveConnector(ctx context.Context, tx *sql.Tx, c *model.Connector, now time.Time) (int64, []int64, error) {
	other, err := connectorID(ctx, tx, c.Name)
	if err != nil && model.ErrorCodeOf(err) != model.ENotFound {
		return 0, nil, err
	}
	if err == nil && other != c.ID {
		return 0, nil, model.Errorf(model.EConflict, "a connector named %q exists already", c.Name)
	}

	id := c.ID
	var old map[int64]string // the stored methods' names by ID
	if id == 0 {
		// Never an id given before (see migration 0008).
		if err := tx.QueryRowContext(ctx, `
			SELECT MAX(last, (SELECT COALESCE(MAX(id), 0) FROM connectors)) + 1 FROM connector_ids`).Scan(&id); err != nil {
			return 0, nil, err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO connectors (id, name, description, api_version, script, rate_limit, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, c.Name, c.Description, c.ApiVersion, c.Script, c.RateLimit, formatTime(now)); err != nil {
			return 0, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connector_ids SET last = ?`, id); err != nil {
			return 0, nil, err
		}
	} else {
		var oldName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM connectors WHERE id = ?`, id).Scan(&oldName); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, nil, err
		}
		// Pending webhooks follow a renamed connector, so that cleanup
		// still finds the definition that deletes them, and so does its
		// run history; deleted webhooks keep the name they were made by.
		if oldName != "" && oldName != c.Name {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_ledger SET connector = ? WHERE connector = ? AND deleted_at IS NULL`,
				c.Name, oldName); err != nil {
				return 0, nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET connector = ? WHERE connector = ?`, c.Name, oldName); err != nil {
				return 0, nil, err
			}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE connectors
			SET name = ?, description = ?, api_version = ?, script = ?, rate_limit = ?, updated_at = ?
			WHERE id = ?`,
			c.Name, c.Description, c.ApiVersion, c.Script, c.RateLimit, formatTime(now), id)
		if err != nil {
			return 0, nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, nil, err
		} else if n == 0 {
			return 0, nil, model.Errorf(model.ENotFound, "no stored connector has ID %d (was it deleted?)", id)
		}
		if old, err = storedMethods(ctx, tx, id); err != nil {
			return 0, nil, err
		}
		if err := deleteConnectorChildren(ctx, tx, id); err != nil {
			return 0, nil, err
		}
	}

	methodIDs, err := keptMethodIDs(ctx, tx, old, c)
	if err != nil {
		return 0, nil, err
	}
	if err := insertDefinition(ctx, tx, id, c, methodIDs); err != nil {
		return 0, nil, err
	}
	return id, methodIDs, nil
}

// nanRateLimit names the first Rate Limit of c that is NaN, which SQLite
// cannot store (it makes it NULL), or returns "". Every other value, a
// draft's mistakes included, is saved as it is, for lint to report.
func nanRateLimit(c *model.Connector) string {
	if math.IsNaN(c.RateLimit) {
		return "the connector's Rate Limit"
	}
	for _, m := range c.Methods {
		if math.IsNaN(m.RateLimit) {
			return fmt.Sprintf("the Rate Limit of method %q", m.Name)
		}
	}
	return ""
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

// deleteConnectorChildren removes a connector's definition rows, but not
// its account values.
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

// storedMethods are the names of a stored connector's methods by ID.
func storedMethods(ctx context.Context, tx *sql.Tx, connectorID int64) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM methods WHERE connector_id = ?`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// keptMethodIDs gives each of c's methods its ID: the one it was loaded
// or saved with, when that was one of this connector's stored methods
// (old), else a new one, never given before. A method kept under another
// name was renamed: its runs in the history, and the pending ledger rows
// that name it as their Webhook method or Delete Webhook Method, follow
// the rename, so that its earlier runs stay its own and cleanup finds it.
func keptMethodIDs(ctx context.Context, tx *sql.Tx, old map[int64]string, c *model.Connector) ([]int64, error) {
	var next int64
	if err := tx.QueryRowContext(ctx, `
		SELECT MAX(last, (SELECT COALESCE(MAX(id), 0) FROM methods)) FROM method_ids`).Scan(&next); err != nil {
		return nil, err
	}
	ids := make([]int64, len(c.Methods))
	used := map[int64]bool{}
	// A method keeps its ID under its stored name first, so that of an
	// original and a copy that kept its ID, the original keeps it.
	for i, m := range c.Methods {
		if name, kept := old[m.ID]; kept && name == m.Name && !used[m.ID] {
			ids[i], used[m.ID] = m.ID, true
		}
	}
	var from, to []any // renames, in pairs
	for i, m := range c.Methods {
		if ids[i] != 0 {
			continue
		}
		if name, kept := old[m.ID]; kept && !used[m.ID] {
			ids[i], used[m.ID] = m.ID, true
			from, to = append(from, name), append(to, m.Name)
			continue
		}
		next++
		ids[i] = next
	}
	if _, err := tx.ExecContext(ctx, `UPDATE method_ids SET last = MAX(last, ?)`, next); err != nil {
		return nil, err
	}
	if len(from) == 0 {
		return ids, nil
	}
	// One statement per column, each name mapped at once, so that two
	// methods that swapped names swap their records too.
	var cases strings.Builder
	var args []any
	for i := range from {
		cases.WriteString(" WHEN ? THEN ?")
		args = append(args, from[i], to[i])
	}
	in := strings.Repeat("?,", len(from))
	in = in[:len(in)-1]
	for _, q := range []string{
		`UPDATE runs SET method = CASE method` + cases.String() + ` END WHERE connector = ? AND method IN (` + in + `)`,
		`UPDATE webhook_ledger SET method = CASE method` + cases.String() + ` END WHERE connector = ? AND deleted_at IS NULL AND method IN (` + in + `)`,
		`UPDATE webhook_ledger SET delete_method = CASE delete_method` + cases.String() + ` END WHERE connector = ? AND deleted_at IS NULL AND delete_method IN (` + in + `)`,
	} {
		a := append(append(slices.Clone(args), c.Name), from...)
		if _, err := tx.ExecContext(ctx, q, a...); err != nil {
			return nil, fmt.Errorf("following renamed methods: %w", err)
		}
	}
	return ids, nil
}

// insertDefinition writes the authentication methods, parameters and
// methods (with their fields and parameters) of c, stored as connector
// connectorID, its methods under the IDs given.
//
// A method's grids and parameters are packed on its row (see packed.go), so
// even a large connector is a few hundred rows. They go in multi-row
// INSERTs, each statement prepared once per save (see rowWriter), rather
// than one prepared-and-run INSERT per row.
func insertDefinition(ctx context.Context, tx *sql.Tx, connectorID int64, c *model.Connector, methodIDs []int64) error {
	if err := insertAuthentication(ctx, tx, connectorID, c.Authentication); err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	if err := insertParameters(ctx, tx, connectorID, c.Parameters); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	if err := insertMethods(ctx, tx, connectorID, c.Methods, methodIDs); err != nil {
		return fmt.Errorf("methods: %w", err)
	}
	return nil
}

func insertAuthentication(ctx context.Context, tx *sql.Tx, connectorID int64, auths []model.Authentication) error {
	w := newRowWriter(ctx, tx, "auth_methods", "connector_id", "position", "auth_name", "auth_type",
		"api_key_header", "api_key_query_parameter", "token_url", "scope", "is_default")
	defer w.close()
	for i, a := range auths {
		if err := w.add(connectorID, i, a.AuthName, string(a.AuthType),
			a.ApiKeyHeader, a.ApiKeyQueryParameter, a.TokenUrl, a.Scope, a.IsDefault); err != nil {
			return err
		}
	}
	return w.flush()
}

// insertMethods writes ms in order, each with its Request and Response
// Format grids and its parameters packed (see appendFields, appendParameters).
func insertMethods(ctx context.Context, tx *sql.Tx, connectorID int64, ms []model.Method, ids []int64) error {
	w := newRowWriter(ctx, tx, "methods", "id", "connector_id", "position", "name", "description",
		"category", "method_type", "http_method", "data_type", "endpoint", "ignore_authentication",
		"hide", "create_webhook_method", "delete_webhook_method", "script",
		"sig_header", "sig_algorithm", "sig_encoding", "sig_prefix",
		"sig_secret_parameter", "sig_secret_response_field",
		"request_fields", "response_fields", "parameters", "rate_limit")
	defer w.close()
	var buf []byte
	for i := range ms {
		m := &ms[i]
		sig := m.WebhookSignature
		buf = appendFields(buf[:0], m.RequestFormat.Fields)
		request := string(buf)
		buf = appendFields(buf[:0], m.ResponseFormat.Fields)
		response := string(buf)
		buf = appendParameters(buf[:0], m.Parameters)
		params := string(buf)
		if err := w.add(ids[i], connectorID, i, m.Name, m.Description, m.Category,
			string(m.MethodType), m.HttpMethod, string(m.DataType), m.Endpoint, m.IgnoreAuthentication,
			m.Hide, m.CreateWebhookMethod, m.DeleteWebhookMethod, m.Script,
			sig.Header, sig.Algorithm, sig.Encoding, sig.Prefix,
			sig.SecretParameter, sig.SecretResponseField, request, response, params, m.RateLimit); err != nil {
			return err
		}
	}
	return w.flush()
}

// insertParameters writes the connector's own parameters.
func insertParameters(ctx context.Context, tx *sql.Tx, connectorID int64, ps []model.Parameter) error {
	w := newRowWriter(ctx, tx, "parameters", "connector_id", "position", "target_type",
		"target_name", "display_name", "description", "is_hidden", "is_optional", "is_sensitive",
		"is_account_connector_property", "is_multiline", "values_json")
	defer w.close()
	for i, p := range ps {
		values := p.Values
		if values == nil {
			values = []string{}
		}
		vj, err := json.Marshal(values)
		if err != nil {
			return err
		}
		if err := w.add(connectorID, i, string(p.TargetType), p.TargetName,
			p.DisplayName, p.Description, p.IsHidden, p.IsOptional, p.IsSensitive,
			p.IsAccountConnectorProperty, p.IsMultiline, string(vj)); err != nil {
			return err
		}
	}
	return w.flush()
}

// maxBoundValues caps the values one INSERT binds: SQLite's historic limit
// of 999, which every build accepts. Past a few hundred rows a statement,
// larger batches save little.
const maxBoundValues = 999

// rowWriter inserts rows into one table in multi-row INSERT statements.
// Rows are buffered until a statement's worth (maxBoundValues bound values)
// is reached; that statement is prepared once and reused, and flush writes
// the rest with one statement more.
type rowWriter struct {
	ctx     context.Context
	tx      *sql.Tx
	head    string // INSERT INTO table (columns) VALUES
	row     string // (?, ?, ...)
	columns int
	perStmt int // rows in a full statement
	full    *sql.Stmt
	args    []any
}

func newRowWriter(ctx context.Context, tx *sql.Tx, table string, columns ...string) *rowWriter {
	return &rowWriter{
		ctx:     ctx,
		tx:      tx,
		head:    "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ",
		row:     "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")",
		columns: len(columns),
		perStmt: maxBoundValues / len(columns),
	}
}

// add buffers one row, one value per column, and inserts the buffered rows
// once they fill a statement.
func (w *rowWriter) add(values ...any) error {
	if len(values) != w.columns {
		return fmt.Errorf("%s: %d values for %d columns", w.head, len(values), w.columns)
	}
	w.args = append(w.args, values...)
	if len(w.args) < w.perStmt*w.columns {
		return nil
	}
	if w.full == nil {
		stmt, err := w.tx.PrepareContext(w.ctx, w.statement(w.perStmt))
		if err != nil {
			return err
		}
		w.full = stmt
	}
	_, err := w.full.ExecContext(w.ctx, w.args...)
	w.args = w.args[:0]
	return err
}

// flush inserts the rows still buffered.
func (w *rowWriter) flush() error {
	if len(w.args) == 0 {
		return nil
	}
	_, err := w.tx.ExecContext(w.ctx, w.statement(len(w.args)/w.columns), w.args...)
	w.args = w.args[:0]
	return err
}

// close releases the prepared statement; the transaction's end would too.
func (w *rowWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// statement is the INSERT of n rows.
func (w *rowWriter) statement(n int) string {
	var b strings.Builder
	b.Grow(len(w.head) + n*(len(w.row)+2))
	b.WriteString(w.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w.row)
	}
	return b.String()
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
