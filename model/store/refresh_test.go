package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Two handles on one database, as two Patchbay processes: one has the
// refresh turn at an endpoint until it gives it back, or until the other
// finds it stale; a turn taken over is not given back by its old holder.
func TestRefreshTurns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "patchbay.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	const endpoint = "https://auth.example.com/oauth/token"
	never := func(string, time.Time) bool { return false }
	var asked []string
	always := func(holder string, since time.Time) bool { asked = append(asked, holder); return !since.IsZero() }

	claim := func(db *DB, owner string, stale func(string, time.Time) bool, want bool) {
		t.Helper()
		got, err := db.ClaimRefreshTurn(ctx, endpoint, owner, stale)
		if err != nil || got != want {
			t.Fatalf("%s claims the turn: %v, %v; want %v", owner, got, err, want)
		}
	}
	claim(a, "a", never, true)
	claim(a, "a", never, true) // its own still
	claim(b, "b", never, false)
	if got, err := b.ClaimRefreshTurn(ctx, "https://other.example.com/token", "b", never); err != nil || !got {
		t.Fatalf("another endpoint's turn: %v, %v", got, err)
	}
	claim(b, "b", always, true) // a stale turn is taken over
	if len(asked) != 1 || asked[0] != "a" {
		t.Errorf("stale was asked about %q, want the holder a", asked)
	}
	if err := a.GiveBackRefreshTurn(ctx, endpoint, "a"); err != nil {
		t.Fatal(err)
	}
	claim(a, "a", never, false) // b's turn survived a's give-back
	if err := b.GiveBackRefreshTurn(ctx, endpoint, "b"); err != nil {
		t.Fatal(err)
	}
	claim(a, "a", never, true)
}

// A rotation recorded by one handle is found by the other; a provider
// that hands an earlier token back makes it live again; records older than
// a day go; the endpoint and the spent tokens are never stored as they are.
func TestRotatedRefreshTokens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "patchbay.db")
	a, b := mustOpenPath(t, path), mustOpenPath(t, path)
	const endpoint = "https://auth.example.com/oauth/token?tenant=endpoint-marker"
	lookup := func(db *DB, spent, want string) {
		t.Helper()
		if got, err := db.RotatedRefreshToken(ctx, endpoint, spent); err != nil || got != want {
			t.Errorf("the token that replaced %s: %q, %v; want %q", spent, got, err, want)
		}
	}
	for _, r := range [][2]string{{"spent-token-zero", "token-one"}, {"token-one", "token-two"}} {
		if err := a.RecordRotatedRefreshToken(ctx, endpoint, r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	lookup(b, "spent-token-zero", "token-two") // straight to the newest
	lookup(b, "token-one", "token-two")
	lookup(b, "token-two", "")
	// A spent token kept as an earlier record's next is replaced there by
	// the newest (its bytes may linger in free pages, as any deleted
	// value's do).
	var spentKept int
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM rotated_refresh_tokens WHERE next = 'token-one'`).Scan(&spentKept); err != nil || spentKept != 0 {
		t.Errorf("%d records keep the spent token-one (%v)", spentKept, err)
	}

	if _, err := b.RotatedRefreshToken(ctx, "https://elsewhere.example.com/token", "token-one"); err != nil {
		t.Fatal(err)
	}
	lookup(b, "token-one", "token-two")

	// token-two is refreshed, and the provider gives token-one back.
	if err := b.RecordRotatedRefreshToken(ctx, endpoint, "token-two", "token-one"); err != nil {
		t.Fatal(err)
	}
	lookup(a, "token-one", "") // live again
	lookup(a, "token-two", "token-one")

	var data []byte
	for _, file := range []string{path, path + "-wal"} { // the rows may be in either
		d, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, d...)
	}
	if !bytes.Contains(data, []byte("token-two")) {
		t.Fatal("the newest token is not in the files read: the search below would find nothing either")
	}
	for _, plain := range []string{"spent-token-zero", "endpoint-marker"} {
		if bytes.Contains(data, []byte(plain)) {
			t.Errorf("%q is in the database file as it is", plain)
		}
	}

	a.now = func() time.Time { return time.Now().Add(25 * time.Hour) }
	lookup(a, "token-two", "") // a day old: gone
	if err := a.RecordRotatedRefreshToken(ctx, endpoint, "token-three", "token-four"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM rotated_refresh_tokens`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d records after a day and one more rotation (%v), want 1", n, err)
	}
}
