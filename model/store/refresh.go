package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// rotatedKept is how long a rotated refresh token's record is kept: long
// enough for any run that began from the spent one to find its
// replacement, and no longer, since the newest token is in it.
const rotatedKept = 24 * time.Hour

// The token endpoints and the spent refresh tokens are kept as their
// SHA-256 (see key). A record's next token is kept as it is, and only the
// newest is: recording a rotation points every earlier record of the chain
// at the newest token.

// ClaimRefreshTurn implements model.RefreshTurns: in one write
// transaction, owner takes the turn at endpoint if it is free or stale.
func (db *DB) ClaimRefreshTurn(ctx context.Context, endpoint, owner string, stale func(holder string, since time.Time) bool) (bool, error) {
	endpoint = key(endpoint)
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("take the token refresh turn: %w", lockAdvice(err))
	}
	defer rollback(tx)
	var holder string
	var taken sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT holder, taken_at FROM refresh_turns WHERE endpoint = ?`, endpoint).Scan(&holder, &taken)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("take the token refresh turn: %w", lockAdvice(err))
	case holder == owner:
		return true, nil
	default:
		since, err := parseTime(taken)
		if err != nil {
			since = time.Time{} // unreadable: as old as can be
		}
		if !stale(holder, since) {
			return false, nil
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO refresh_turns (endpoint, holder, taken_at) VALUES (?, ?, ?)
		ON CONFLICT (endpoint) DO UPDATE SET holder = excluded.holder, taken_at = excluded.taken_at`,
		endpoint, owner, formatTime(db.nowUTC())); err != nil {
		return false, fmt.Errorf("take the token refresh turn: %w", lockAdvice(err))
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("take the token refresh turn: %w", lockAdvice(err))
	}
	return true, nil
}

// GiveBackRefreshTurn implements model.RefreshTurns. A turn another holder
// took over meanwhile stays theirs.
func (db *DB) GiveBackRefreshTurn(ctx context.Context, endpoint, owner string) error {
	endpoint = key(endpoint)
	if _, err := db.db.ExecContext(ctx, `DELETE FROM refresh_turns WHERE endpoint = ? AND holder = ?`, endpoint, owner); err != nil {
		return fmt.Errorf("give back the token refresh turn: %w", lockAdvice(err))
	}
	return nil
}

// RecordRotatedRefreshToken implements model.RefreshTurns, and drops the
// records older than a day. A provider that hands an earlier token back
// makes it live again: the record of its own replacement goes.
func (db *DB) RecordRotatedRefreshToken(ctx context.Context, endpoint, spent, next string) error {
	endpoint = key(endpoint)
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	defer rollback(tx)
	now := db.nowUTC()
	if _, err := tx.ExecContext(ctx, `DELETE FROM rotated_refresh_tokens WHERE rotated_at < ?`, formatTime(now.Add(-rotatedKept))); err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM rotated_refresh_tokens WHERE endpoint = ? AND spent = ?`, endpoint, key(next)); err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	// The spent token, kept as the next of an earlier record, goes: that
	// record leads to the newest token at once.
	if _, err := tx.ExecContext(ctx, `UPDATE rotated_refresh_tokens SET next = ? WHERE endpoint = ? AND next = ?`, next, endpoint, spent); err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rotated_refresh_tokens (endpoint, spent, next, rotated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (endpoint, spent) DO UPDATE SET next = excluded.next, rotated_at = excluded.rotated_at`,
		endpoint, key(spent), next, formatTime(now)); err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record the rotated refresh token: %w", lockAdvice(err))
	}
	return nil
}

// RotatedRefreshToken implements model.RefreshTurns.
func (db *DB) RotatedRefreshToken(ctx context.Context, endpoint, spent string) (string, error) {
	var next string
	err := db.rd.QueryRowContext(ctx, `SELECT next FROM rotated_refresh_tokens WHERE endpoint = ? AND spent = ? AND rotated_at >= ?`,
		key(endpoint), key(spent), formatTime(db.nowUTC().Add(-rotatedKept))).Scan(&next)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("look up the rotated refresh token: %w", lockAdvice(err))
	}
	return next, nil
}

// key is the SHA-256 of s in hex.
func key(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
