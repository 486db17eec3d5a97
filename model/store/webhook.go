package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"patchbay/model"
)

// RecordWebhook adds a pending row to the webhook ledger and sets rec.ID and
// rec.CreatedAt (now). When it returns without error the row is on disk
// (WAL with synchronous=FULL): a webhook created on an API is never
// forgotten, even if Patchbay or the machine stops the next moment. It
// accepts any row, even one with empty names or an empty WebhookID, for the
// same reason.
func (db *DB) RecordWebhook(ctx context.Context, rec *model.WebhookRecord) error {
	if rec == nil {
		return model.Errorf(model.EInvalid, "record webhook: no record given")
	}
	runValues, err := jsonObject(rec.RunValues)
	if err != nil {
		return fmt.Errorf("record webhook: run values: %w", err)
	}
	accountValues, err := jsonObject(rec.AccountValues)
	if err != nil {
		return fmt.Errorf("record webhook: account values: %w", err)
	}
	now := db.nowUTC()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record the webhook of %s › %s: %w", rec.Connector, rec.Method, lockAdvice(err))
	}
	defer rollback(tx)
	connector, err := currentName(ctx, tx, rec.ConnectorID, rec.Connector)
	if err != nil {
		return fmt.Errorf("record the webhook of %s › %s: %w", rec.Connector, rec.Method, lockAdvice(err))
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO webhook_ledger (connector, method, delete_method, webhook_id, url, run_values, account_values, created_at, last_error, owner)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		connector, rec.Method, rec.DeleteMethod, rec.WebhookID, rec.URL, string(runValues), string(accountValues), formatTime(now), rec.LastError, rec.Owner)
	if err != nil {
		return fmt.Errorf("record the webhook of %s › %s: %w", rec.Connector, rec.Method, lockAdvice(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("record the webhook of %s › %s: %w", rec.Connector, rec.Method, lockAdvice(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record the webhook of %s › %s: %w", rec.Connector, rec.Method, lockAdvice(err))
	}
	rec.ID, rec.Connector, rec.CreatedAt, rec.DeletedAt = id, connector, now, time.Time{}
	return nil
}

// SetWebhookID puts the captured id on a pending ledger row and clears its
// LastError. An unknown ID is an ENotFound error, and a row marked deleted
// meanwhile an EConflict one: the id would be lost there.
func (db *DB) SetWebhookID(ctx context.Context, id int64, webhookID string) error {
	return db.updateWebhook(ctx, id, "set webhook id",
		`UPDATE webhook_ledger SET webhook_id = ?, last_error = '' WHERE id = ? AND deleted_at IS NULL`,
		webhookID, id)
}

// ForgetWebhook removes a pending ledger row that has no webhook id: one
// whose create the API refused. Any other row, or an unknown ID, is an
// ENotFound error, so that a known webhook is never forgotten.
func (db *DB) ForgetWebhook(ctx context.Context, id int64) error {
	res, err := db.db.ExecContext(ctx,
		`DELETE FROM webhook_ledger WHERE id = ? AND deleted_at IS NULL AND webhook_id = ''`, id)
	if err != nil {
		return fmt.Errorf("forget webhook %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return model.Errorf(model.ENotFound, "no pending webhook ledger row %d without an id", id)
	}
	return nil
}

// MarkWebhookDeleted marks the ledger row deleted now and clears its
// LastError and Owner. Marking a row deleted again keeps the first time; an
// unknown ID is an ENotFound error.
func (db *DB) MarkWebhookDeleted(ctx context.Context, id int64) error {
	return db.updateWebhook(ctx, id, "mark webhook deleted",
		`UPDATE webhook_ledger SET deleted_at = ?, last_error = '', owner = '' WHERE id = ? AND deleted_at IS NULL`,
		formatTime(db.nowUTC()), id)
}

// MarkWebhookRemoved marks the ledger row deleted now by hand (see
// model.WebhookRecord.RemovedByHand), as MarkWebhookDeleted does. A row
// deleted already is left as it is, with an EConflict error.
func (db *DB) MarkWebhookRemoved(ctx context.Context, id int64) error {
	return db.updateWebhook(ctx, id, "mark webhook removed",
		`UPDATE webhook_ledger SET deleted_at = ?, removed_by_hand = 1, last_error = '', owner = '' WHERE id = ? AND deleted_at IS NULL`,
		formatTime(db.nowUTC()), id)
}

// MarkWebhookFailed records on a pending ledger row why deleting the webhook
// failed, and clears its Owner; the row stays pending. A row marked deleted
// meanwhile is left as it is, with an EConflict error (the webhook may
// still be there); an unknown ID is an ENotFound error.
func (db *DB) MarkWebhookFailed(ctx context.Context, id int64, reason string) error {
	return db.updateWebhook(ctx, id, "mark webhook failed",
		`UPDATE webhook_ledger SET last_error = ?, owner = '' WHERE id = ? AND deleted_at IS NULL`,
		reason, id)
}

// updateWebhook runs query on the ledger row id in a transaction, what
// saying what for errors.
func (db *DB) updateWebhook(ctx context.Context, id int64, what, query string, args ...any) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, lockAdvice(err))
	}
	defer rollback(tx)
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	} else if n == 0 {
		// Not pending: gone, or marked deleted meanwhile (webhook forget,
		// Mark removed in the window, another cleanup). An id or a failed
		// delete put on such a row would be lost: that is an EConflict
		// error; marking it deleted again leaves it as it is.
		var deleted bool
		err := tx.QueryRowContext(ctx, `SELECT deleted_at IS NOT NULL FROM webhook_ledger WHERE id = ?`, id).Scan(&deleted)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return model.Errorf(model.ENotFound, "no webhook ledger row %d", id)
		case err != nil:
			return fmt.Errorf("%s %d: %w", what, id, err)
		case what == "mark webhook removed":
			return model.Errorf(model.EConflict, "webhook ledger row %d is not pending: it was deleted already, and nothing changed", id)
		case what != "mark webhook deleted":
			return model.Errorf(model.EConflict, "%s %d: the row was marked deleted meanwhile ('patchbay webhook forget', or Mark removed in the window)", what, id)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	return nil
}

// ListWebhooks returns the ledger rows, newest first; only the pending ones
// (not deleted yet) if pendingOnly.
func (db *DB) ListWebhooks(ctx context.Context, pendingOnly bool) ([]model.WebhookRecord, error) {
	tx, err := db.rd.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rollback(tx)
	list, err := listWebhooks(ctx, tx, pendingOnly)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return list, tx.Commit()
}

func listWebhooks(ctx context.Context, tx *sql.Tx, pendingOnly bool) ([]model.WebhookRecord, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, connector, method, delete_method, webhook_id, url, run_values, account_values, created_at, deleted_at, removed_by_hand, last_error, owner
		FROM webhook_ledger
		WHERE deleted_at IS NULL OR NOT ?
		ORDER BY created_at DESC, id DESC`, pendingOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.WebhookRecord
	for rows.Next() {
		var r model.WebhookRecord
		var runValues, accountValues string
		var created, deleted sql.NullString
		if err := rows.Scan(&r.ID, &r.Connector, &r.Method, &r.DeleteMethod, &r.WebhookID, &r.URL,
			&runValues, &accountValues, &created, &deleted, &r.RemovedByHand, &r.LastError, &r.Owner); err != nil {
			return nil, err
		}
		var err error
		if r.RunValues, err = readObject(runValues); err != nil {
			return nil, fmt.Errorf("row %d run values: %w", r.ID, err)
		}
		if r.AccountValues, err = readObject(accountValues); err != nil {
			return nil, fmt.Errorf("row %d account values: %w", r.ID, err)
		}
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("row %d: %w", r.ID, err)
		}
		if r.DeletedAt, err = parseTime(deleted); err != nil {
			return nil, fmt.Errorf("row %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// jsonObject writes values as a JSON object, {} for none.
func jsonObject(values map[string]string) ([]byte, error) {
	if values == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(values)
}

// readObject reads a JSON object of strings; nil for an empty one.
func readObject(text string) (map[string]string, error) {
	var values map[string]string
	if err := json.Unmarshal([]byte(text), &values); err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, nil
	}
	return values, nil
}
