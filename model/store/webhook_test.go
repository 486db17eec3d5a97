package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"patchbay/model"
)

func TestWebhookLedger(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/patchbay.db"
	db := mustOpenPath(t, path)
	start := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	db.now = fakeClock(start)

	recs := []*model.WebhookRecord{
		{Connector: "Webhook Example", Method: "New Order", WebhookID: "1", URL: "http://127.0.0.1:9000/hook/a",
			RunValues: map[string]string{"BaseUrl": "http://127.0.0.1:8787", "Other": "x y"}},
		{Connector: "Webhook Example", Method: "New Order", WebhookID: "2", URL: "http://127.0.0.1:9000/hook/b",
			AccountValues: map[string]string{"BaseUrl": "https://staging.example.com", "Region": "eu"}},
		{Connector: "Gone", Method: "Hook", WebhookID: "abc", URL: "http://u", RunValues: map[string]string{}, AccountValues: map[string]string{}},
	}
	for i, r := range recs {
		if err := db.RecordWebhook(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Errorf("record %d: ID not set", i)
		}
		if want := start.Add(time.Duration(i) * time.Second); !r.CreatedAt.Equal(want) {
			t.Errorf("record %d: CreatedAt %v, want %v", i, r.CreatedAt, want)
		}
	}
	recs[2].RunValues, recs[2].AccountValues = nil, nil // an empty map loads as nil

	// Durable: read back through a new handle on the file.
	db.Close()
	db = mustOpenPath(t, path)
	db.now = fakeClock(start.Add(time.Hour))

	list := func(pendingOnly bool) []model.WebhookRecord {
		t.Helper()
		got, err := db.ListWebhooks(ctx, pendingOnly)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []model.WebhookRecord{*recs[2], *recs[1], *recs[0]} // newest first
	if got := list(true); !reflect.DeepEqual(got, want) {
		t.Errorf("pending:\n got %+v\nwant %+v", got, want)
	}

	// A failed delete keeps the row pending, with the reason.
	if err := db.MarkWebhookFailed(ctx, recs[1].ID, "DELETE /webhooks/2: 500 Internal Server Error"); err != nil {
		t.Fatal(err)
	}
	got := list(true)
	if len(got) != 3 || got[1].LastError != "DELETE /webhooks/2: 500 Internal Server Error" || !got[1].Pending() {
		t.Errorf("after a failed delete: got %+v", got)
	}

	// Deleted: out of the pending list, still in the full one.
	if err := db.MarkWebhookDeleted(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	if got := list(true); len(got) != 2 || got[0].ID != recs[2].ID || got[1].ID != recs[0].ID {
		t.Errorf("pending after delete: got %+v", got)
	}
	all := list(false)
	if len(all) != 3 {
		t.Fatalf("all after delete: got %d rows, want 3", len(all))
	}
	deleted := all[1]
	if deleted.Pending() || !deleted.DeletedAt.Equal(start.Add(time.Hour)) || deleted.LastError != "" {
		t.Errorf("deleted row: got %+v", deleted)
	}

	// Marking again changes nothing.
	if err := db.MarkWebhookDeleted(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	// A failed delete or an id put on a row deleted meanwhile would be
	// lost: refused.
	wantCode(t, db.MarkWebhookFailed(ctx, recs[1].ID, "late"), model.EConflict)
	wantCode(t, db.SetWebhookID(ctx, recs[1].ID, "wh_late"), model.EConflict)
	if again := list(false)[1]; !reflect.DeepEqual(again, deleted) {
		t.Errorf("marking a deleted row again changed it:\n got %+v\nwant %+v", again, deleted)
	}
	wantCode(t, db.SetWebhookID(ctx, 999, "x"), model.ENotFound)

	wantCode(t, db.MarkWebhookDeleted(ctx, 999), model.ENotFound)
	wantCode(t, db.MarkWebhookFailed(ctx, 999, "x"), model.ENotFound)
	if deleted.RemovedByHand {
		t.Error("a row Patchbay deleted reads as removed by hand")
	}

	// Removed by hand: deleted, and said so; marking it again, or marking
	// a deleted row removed, changes nothing.
	if err := db.MarkWebhookRemoved(ctx, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	removed := list(false)[2]
	if removed.ID != recs[0].ID || removed.Pending() || !removed.RemovedByHand || removed.LastError != "" {
		t.Errorf("removed row: got %+v", removed)
	}
	wantCode(t, db.MarkWebhookRemoved(ctx, recs[0].ID), model.EConflict)
	wantCode(t, db.MarkWebhookRemoved(ctx, recs[1].ID), model.EConflict)
	if all := list(false); !reflect.DeepEqual(all[2], removed) || all[1].RemovedByHand {
		t.Errorf("marking again changed the rows: %+v", all)
	}
	wantCode(t, db.MarkWebhookRemoved(ctx, 999), model.ENotFound)
	wantCode(t, db.RecordWebhook(ctx, nil), model.EInvalid)
}

// TestLedgerRowBeforeCreate follows the row a lifecycle writes before it
// sends the create request: the id is set on it, or it is forgotten when the
// API refused; a row with an id is never forgotten.
func TestLedgerRowBeforeCreate(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPath(t, t.TempDir()+"/ledger.db")

	sent := &model.WebhookRecord{Connector: "C", Method: "Hook", URL: "http://127.0.0.1:1/hooks/a", LastError: "create sent"}
	refused := &model.WebhookRecord{Connector: "C", Method: "Hook", URL: "http://127.0.0.1:1/hooks/b", LastError: "create sent"}
	for _, r := range []*model.WebhookRecord{sent, refused} {
		if err := db.RecordWebhook(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetWebhookID(ctx, sent.ID, "wh_1"); err != nil {
		t.Fatal(err)
	}
	if err := db.ForgetWebhook(ctx, refused.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.ForgetWebhook(ctx, sent.ID); model.ErrorCodeOf(err) != model.ENotFound {
		t.Errorf("forgetting a row with an id: %v, want ENotFound", err)
	}
	if err := db.SetWebhookID(ctx, 999, "x"); model.ErrorCodeOf(err) != model.ENotFound {
		t.Errorf("set id on an unknown row: %v, want ENotFound", err)
	}
	rows, err := db.ListWebhooks(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != sent.ID || rows[0].WebhookID != "wh_1" || rows[0].LastError != "" {
		t.Errorf("pending rows %+v, want only the sent one with its id and no error", rows)
	}
}

// TestRenameCarriesPendingWebhooksAndRuns renames a connector with a
// pending webhook and a run: the row follows, so cleanup still finds the
// connector, and so does the run history; a deleted row keeps the name it
// had.
func TestRenameCarriesPendingWebhooksAndRuns(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPath(t, t.TempDir()+"/rename.db")
	c := &model.Connector{Name: "Old Name"}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	pending := &model.WebhookRecord{Connector: "Old Name", Method: "Hook", WebhookID: "1"}
	done := &model.WebhookRecord{Connector: "Old Name", Method: "Hook", WebhookID: "2"}
	for _, r := range []*model.WebhookRecord{pending, done} {
		if err := db.RecordWebhook(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MarkWebhookDeleted(ctx, done.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveRun(ctx, &model.RunRecord{Connector: "Old Name", Method: "Hook", Kind: "webhook", StartedAt: time.Now(), OK: true}); err != nil {
		t.Fatal(err)
	}
	c.Name = "New Name"
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	if runs, err := db.ListRuns(ctx, "New Name", 10); err != nil || len(runs) != 1 {
		t.Errorf("the run history under the new name: %d runs, %v; want the one run", len(runs), err)
	}
	rows, err := db.ListWebhooks(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range rows {
		names[r.WebhookID] = r.Connector
	}
	if names["1"] != "New Name" || names["2"] != "Old Name" {
		t.Errorf("after the rename the rows name %v", names)
	}
}

// TestLedgerKeepsDeleteMethod: the Delete Webhook Method a row names comes
// back from the file beside its Webhook method, so that cleanup can still
// delete the webhook after the Webhook method is renamed.
func TestLedgerKeepsDeleteMethod(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/ledger.db"
	db := mustOpenPath(t, path)
	rec := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", DeleteMethod: "Delete Webhook",
		WebhookID: "42", URL: "http://127.0.0.1:9000/hooks/a"}
	if err := db.RecordWebhook(ctx, rec); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpenPath(t, path)
	rows, err := db.ListWebhooks(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Method != "New Order" || rows[0].DeleteMethod != "Delete Webhook" {
		t.Errorf("pending rows %+v, want one with Method \"New Order\" and DeleteMethod \"Delete Webhook\"", rows)
	}
}

// A row's owner, the test run using it, is kept until the run ends: a
// failed delete or a delete recorded clears it.
func TestLedgerOwner(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPath(t, t.TempDir()+"/ledger.db")
	for _, mark := range []func(id int64) error{
		func(id int64) error { return db.MarkWebhookFailed(ctx, id, "503") },
		func(id int64) error { return db.MarkWebhookDeleted(ctx, id) },
	} {
		rec := &model.WebhookRecord{Connector: "C", Method: "M", Owner: "4242 started 99"}
		if err := db.RecordWebhook(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := db.SetWebhookID(ctx, rec.ID, "7"); err != nil {
			t.Fatal(err)
		}
		if got := ledgerRow(t, db, rec.ID); got.Owner != "4242 started 99" {
			t.Errorf("row %d while its run goes on: owner %q", rec.ID, got.Owner)
		}
		if err := mark(rec.ID); err != nil {
			t.Fatal(err)
		}
		if got := ledgerRow(t, db, rec.ID); got.Owner != "" {
			t.Errorf("row %d after its run: owner %q, want none", rec.ID, got.Owner)
		}
	}
}

func ledgerRow(t *testing.T, db *DB, id int64) model.WebhookRecord {
	t.Helper()
	rows, err := db.ListWebhooks(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no ledger row %d", id)
	return model.WebhookRecord{}
}
