package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"patchbay/model"
)

// RunsKept is how many runs of a connector the history keeps: SaveRun
// removes older ones, so that the database does not grow with every run.
const RunsKept = 100

// SaveRun adds a run to the history and sets rec.ID, and removes the
// connector's runs beyond the newest RunsKept. A run needs a StartedAt; its
// Log, if any, must be valid JSON (EInvalid otherwise). A zero FinishedAt
// is kept as such (a run that never finished).
func (db *DB) SaveRun(ctx context.Context, rec *model.RunRecord) error {
	if rec == nil {
		return model.Errorf(model.EInvalid, "save run: no run given")
	}
	if rec.StartedAt.IsZero() {
		return model.Errorf(model.EInvalid, "save run of %q: no start time", rec.Method)
	}
	var log any // NULL for no log
	if len(rec.Log) > 0 {
		if !json.Valid(rec.Log) {
			return model.Errorf(model.EInvalid, "save run of %q: the log is not valid JSON", rec.Method)
		}
		log = string(rec.Log)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	defer rollback(tx)
	connector, err := currentName(ctx, tx, rec.ConnectorID, rec.Connector)
	if err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	method, err := currentMethodName(ctx, tx, rec.ConnectorID, rec.MethodID, rec.Method)
	if err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO runs (connector, method, kind, started_at, finished_at, ok, cancelled, log)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		connector, method, rec.Kind, formatTime(rec.StartedAt), formatTime(rec.FinishedAt), rec.OK, rec.Cancelled, log)
	if err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM runs WHERE connector = ? AND id NOT IN (
			SELECT id FROM runs WHERE connector = ? ORDER BY started_at DESC, id DESC LIMIT ?)`,
		connector, connector, RunsKept); err != nil {
		return fmt.Errorf("save run of %q: removing older runs: %w", rec.Method, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save run of %q: %w", rec.Method, err)
	}
	rec.ID, rec.Connector, rec.Method = id, connector, method
	return nil
}

// currentMethodName is the name the method with the given ID, of the
// connector with the given ID, has now: name when either ID is 0 or the
// method is gone.
func currentMethodName(ctx context.Context, tx *sql.Tx, connectorID, methodID int64, name string) (string, error) {
	if connectorID == 0 || methodID == 0 {
		return name, nil
	}
	return nameNow(ctx, tx, name, `SELECT name FROM methods WHERE id = ? AND connector_id = ?`, methodID, connectorID)
}

// nameNow is the name the query finds, or name when it finds none.
func nameNow(ctx context.Context, tx *sql.Tx, name, query string, args ...any) (string, error) {
	var now string
	err := tx.QueryRowContext(ctx, query, args...).Scan(&now)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return name, nil
	case err != nil:
		return "", err
	}
	return now, nil
}

// currentName is the name the connector with the given ID has now, for a
// record made under its name earlier: name when id is 0 or the connector
// is gone.
func currentName(ctx context.Context, tx *sql.Tx, id int64, name string) (string, error) {
	if id == 0 {
		return name, nil
	}
	return nameNow(ctx, tx, name, `SELECT name FROM connectors WHERE id = ?`, id)
}

// ListRuns returns the named connector's runs, newest (by StartedAt) first,
// at most limit of them; limit <= 0 means all. Times load in UTC and a run
// saved without a log has a nil Log.
func (db *DB) ListRuns(ctx context.Context, connector string, limit int) ([]model.RunRecord, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list runs of %q: %w", connector, err)
	}
	defer rollback(tx)
	list, err := listRuns(ctx, tx, connector, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs of %q: %w", connector, err)
	}
	return list, tx.Commit()
}

func listRuns(ctx context.Context, tx *sql.Tx, connector string, limit int) ([]model.RunRecord, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return queryRuns(ctx, tx, true, `WHERE connector = ? ORDER BY started_at DESC, id DESC LIMIT ?`, connector, limit)
}

// ListMethodRuns returns the runs of one method of the named connector,
// newest first, without their logs (LoadRun reads one).
func (db *DB) ListMethodRuns(ctx context.Context, connector, method string) ([]model.RunRecord, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list runs of %q › %q: %w", connector, method, err)
	}
	defer rollback(tx)
	list, err := queryRuns(ctx, tx, false, `WHERE connector = ? AND method = ? ORDER BY started_at DESC, id DESC`, connector, method)
	if err != nil {
		return nil, fmt.Errorf("list runs of %q › %q: %w", connector, method, err)
	}
	return list, tx.Commit()
}

// LoadRun returns the run with the given ID, its log included, or an
// ENotFound error.
func (db *DB) LoadRun(ctx context.Context, id int64) (*model.RunRecord, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("load run %d: %w", id, err)
	}
	defer rollback(tx)
	list, err := queryRuns(ctx, tx, true, `WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("load run %d: %w", id, err)
	}
	if len(list) == 0 {
		return nil, model.Errorf(model.ENotFound, "the run history has no run %d (only the newest %d runs of each connector are kept)", id, RunsKept)
	}
	return &list[0], tx.Commit()
}

// queryRuns reads the runs the clause selects, with their logs or not.
func queryRuns(ctx context.Context, tx *sql.Tx, withLogs bool, clause string, args ...any) ([]model.RunRecord, error) {
	logColumn := "NULL"
	if withLogs {
		logColumn = "log"
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, connector, method, kind, started_at, finished_at, ok, cancelled, `+logColumn+`
		FROM runs `+clause, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.RunRecord
	for rows.Next() {
		var r model.RunRecord
		var started, finished, log sql.NullString
		if err := rows.Scan(&r.ID, &r.Connector, &r.Method, &r.Kind, &started, &finished, &r.OK, &r.Cancelled, &log); err != nil {
			return nil, err
		}
		if r.StartedAt, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("run %d: %w", r.ID, err)
		}
		if r.FinishedAt, err = parseTime(finished); err != nil {
			return nil, fmt.Errorf("run %d: %w", r.ID, err)
		}
		if log.Valid {
			r.Log = json.RawMessage(log.String)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
