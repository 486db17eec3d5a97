package store

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"patchbay/model"
)

func TestRunHistory(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	base := time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)
	at := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	runs := []*model.RunRecord{
		{Connector: "Shop", Method: "Create Order", Kind: "method", StartedAt: at(2), FinishedAt: at(3), OK: true,
			Log: json.RawMessage(`{"steps": [ {"request": "POST /orders"} ]}`)},
		{Connector: "Shop", Method: "New Order", Kind: "webhook", StartedAt: at(10), FinishedAt: at(12), Cancelled: true,
			Log: json.RawMessage(`[1,2,3]`)},
		{Connector: "Shop", Method: "Create Order", Kind: "method", StartedAt: at(1)}, // no log, never finished
		// Another zone: stored and loaded as UTC.
		{Connector: "Shop", Method: "List", Kind: "method", StartedAt: at(5).In(time.FixedZone("X", 3600)), OK: true},
		{Connector: "Other", Method: "X", Kind: "method", StartedAt: at(20), OK: true},
	}
	for _, r := range runs {
		if err := db.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Errorf("run %q: ID not set", r.Method)
		}
	}
	runs[3].StartedAt = runs[3].StartedAt.UTC()

	tests := []struct {
		name      string
		connector string
		limit     int
		want      []*model.RunRecord
	}{
		{"all, newest first", "Shop", 0, []*model.RunRecord{runs[1], runs[3], runs[0], runs[2]}},
		{"limit", "Shop", 2, []*model.RunRecord{runs[1], runs[3]}},
		{"limit beyond count", "Shop", 10, []*model.RunRecord{runs[1], runs[3], runs[0], runs[2]}},
		{"other connector", "Other", 5, []*model.RunRecord{runs[4]}},
		{"unknown connector", "Nobody", 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListRuns(ctx, tt.connector, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []model.RunRecord
			for _, r := range tt.want {
				want = append(want, *r)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ListRuns(%q, %d):\n got %+v\nwant %+v", tt.connector, tt.limit, got, want)
			}
		})
	}
	t.Run("one method's, without logs", func(t *testing.T) {
		got, err := db.ListMethodRuns(ctx, "Shop", "Create Order")
		if err != nil {
			t.Fatal(err)
		}
		first, second := *runs[0], *runs[2]
		first.Log = nil
		if want := []model.RunRecord{first, second}; !reflect.DeepEqual(got, want) {
			t.Errorf("ListMethodRuns:\n got %+v\nwant %+v", got, want)
		}
		if got, err := db.ListMethodRuns(ctx, "Other", "Create Order"); err != nil || len(got) != 0 {
			t.Errorf("another connector's method: %+v, %v", got, err)
		}
	})
	t.Run("one run, with its log", func(t *testing.T) {
		got, err := db.LoadRun(ctx, runs[0].ID)
		if err != nil || !reflect.DeepEqual(*got, *runs[0]) {
			t.Errorf("LoadRun(%d): %+v, %v", runs[0].ID, got, err)
		}
		_, err = db.LoadRun(ctx, 999)
		wantCode(t, err, model.ENotFound)
	})
}

func TestSaveRun_Invalid(t *testing.T) {
	db := MustOpen(t)
	tests := []struct {
		name string
		run  *model.RunRecord
	}{
		{"nil", nil},
		{"no start time", &model.RunRecord{Connector: "Shop", Method: "M", Kind: "method"}},
		{"log not JSON", &model.RunRecord{Connector: "Shop", Method: "M", Kind: "method", StartedAt: time.Now(),
			Log: json.RawMessage(`{"unterminated": `)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, db.SaveRun(context.Background(), tt.run), model.EInvalid)
		})
	}
	if n := countRows(t, db, "runs", "1"); n != 0 {
		t.Errorf("refused runs were stored: %d rows", n)
	}
}

// The history keeps a connector's newest RunsKept runs and removes older
// ones as new ones come; other connectors' runs are not touched.
func TestRunHistoryKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	start := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	if err := db.SaveRun(ctx, &model.RunRecord{Connector: "Other", Method: "M", StartedAt: start}); err != nil {
		t.Fatal(err)
	}
	for i := range RunsKept + 5 {
		if err := db.SaveRun(ctx, &model.RunRecord{Connector: "C", Method: "M", StartedAt: start.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := db.ListRuns(ctx, "C", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != RunsKept || !runs[0].StartedAt.Equal(start.Add((RunsKept+4)*time.Minute)) || !runs[len(runs)-1].StartedAt.Equal(start.Add(5*time.Minute)) {
		t.Errorf("%d runs kept, from %v to %v; want the newest %d", len(runs), runs[len(runs)-1].StartedAt, runs[0].StartedAt, RunsKept)
	}
	if other, _ := db.ListRuns(ctx, "Other", 0); len(other) != 1 {
		t.Errorf("the other connector keeps %d runs, want 1", len(other))
	}
}

// A run that began before its connector was renamed, and saved after, is
// kept under the connector's name at that moment, and so is a ledger row
// it writes then: the history lists it, and cleanup finds the connector.
// A record of a connector never saved, or deleted since, keeps its name.
func TestRecordsFollowARenameSavedMeanwhile(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := &model.Connector{Name: "Shop"}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	id := c.ID
	c.Name = "Shop v2" // saved while the run goes on
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		connectorID int64
		want        string
	}{
		{"renamed", id, "Shop v2"},
		{"never saved", 0, "Shop"},
		{"deleted since", id + 100, "Shop"},
		{"deleted, its id freed", deletedID(t, db), "Shop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &model.RunRecord{Connector: "Shop", ConnectorID: tc.connectorID, Method: "M", Kind: "method", StartedAt: start}
			if err := db.SaveRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			hook := &model.WebhookRecord{Connector: "Shop", ConnectorID: tc.connectorID, Method: "Hook", URL: "http://127.0.0.1:1/h"}
			if err := db.RecordWebhook(ctx, hook); err != nil {
				t.Fatal(err)
			}
			if run.Connector != tc.want || hook.Connector != tc.want {
				t.Errorf("records made under %q, %q; want %q", run.Connector, hook.Connector, tc.want)
			}
			stored, err := db.LoadRun(ctx, run.ID)
			if err != nil || stored.Connector != tc.want {
				t.Errorf("run kept under %+v, %v; want %q", stored, err, tc.want)
			}
			rows, err := db.ListWebhooks(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.ID == hook.ID && r.Connector != tc.want {
					t.Errorf("ledger row under %q, want %q", r.Connector, tc.want)
				}
			}
		})
	}
}

// deletedID saves a connector as the newest, deletes it and saves another,
// which must not be given its id again (migration 0008), and returns the
// deleted one's id.
func deletedID(t *testing.T, db *DB) int64 {
	t.Helper()
	ctx := context.Background()
	gone := &model.Connector{Name: "Gone"}
	if err := db.SaveConnector(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteConnector(ctx, "Gone"); err != nil {
		t.Fatal(err)
	}
	next := &model.Connector{Name: "Billing"}
	if err := db.SaveConnector(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.ID == gone.ID {
		t.Fatalf("a new connector took the id %d of one deleted", gone.ID)
	}
	return gone.ID
}

// A method renamed and saved takes its earlier runs and the pending ledger
// rows that name it (as Webhook method or Delete Webhook Method) along; two
// methods that swap names swap their records; a deleted row keeps the name
// it was made under; a copy that kept its original's ID is a new method.
func TestRecordsFollowRenamedMethods(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := &model.Connector{Name: "Shop", Methods: []model.Method{
		{Name: "List", MethodType: model.MethodAction}, {Name: "Del", MethodType: model.MethodAction},
		{Name: "Hook", MethodType: model.MethodWebhook, DeleteWebhookMethod: "Del"},
		{Name: "X", MethodType: model.MethodAction}, {Name: "Y", MethodType: model.MethodAction},
	}}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i, m := range c.Methods {
		if m.ID == 0 {
			t.Fatalf("method %d has no ID after the save", i)
		}
	}
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"List", "Hook", "X", "Y", "Y"} {
		if err := db.SaveRun(ctx, &model.RunRecord{Connector: "Shop", Method: name, Kind: "method", StartedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	pending := &model.WebhookRecord{Connector: "Shop", Method: "Hook", DeleteMethod: "Del", WebhookID: "1", URL: "http://127.0.0.1:1/h"}
	done := &model.WebhookRecord{Connector: "Shop", Method: "Hook", DeleteMethod: "Del", WebhookID: "2", URL: "http://127.0.0.1:1/h"}
	for _, r := range []*model.WebhookRecord{pending, done} {
		if err := db.RecordWebhook(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MarkWebhookDeleted(ctx, done.ID); err != nil {
		t.Fatal(err)
	}

	c.Methods[0].Name, c.Methods[1].Name, c.Methods[2].Name = "List v2", "Remove", "Events"
	c.Methods[2].DeleteWebhookMethod = "Remove"
	c.Methods[3].Name, c.Methods[4].Name = "Y", "X" // swapped
	copied := c.Methods[0]
	copied.Name = "List copy" // a copy whose ID was not cleared
	c.Methods = append(c.Methods, copied)
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.Methods[5].ID == c.Methods[0].ID {
		t.Error("the copy kept its original's ID")
	}
	for name, want := range map[string]int{"List v2": 1, "Events": 1, "X": 2, "Y": 1, "List copy": 0, "List": 0, "Hook": 0} {
		if runs, err := db.ListMethodRuns(ctx, "Shop", name); err != nil || len(runs) != want {
			t.Errorf("runs of %q: %d, %v; want %d", name, len(runs), err, want)
		}
	}
	rows, err := db.ListWebhooks(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		want := [2]string{"Events", "Remove"}
		if r.ID == done.ID {
			want = [2]string{"Hook", "Del"}
		}
		if got := [2]string{r.Method, r.DeleteMethod}; got != want {
			t.Errorf("ledger row %d names %q, want %q", r.ID, got, want)
		}
	}
	loaded, err := db.LoadConnector(ctx, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	for i := range loaded.Methods {
		if loaded.Methods[i].ID != c.Methods[i].ID {
			t.Errorf("method %q loads with ID %d, saved with %d", loaded.Methods[i].Name, loaded.Methods[i].ID, c.Methods[i].ID)
		}
	}
}

// A run that began before its method was renamed, and is saved after, goes
// under the method's name now. A method's ID is never given again after
// it is deleted: an older copy of the connector saved over a newer one
// cannot take a new method for a deleted one and move its runs.
func TestRunsFollowMethodsByID(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := &model.Connector{Name: "Shop", Methods: []model.Method{{Name: "List", MethodType: model.MethodAction}, {Name: "Z", MethodType: model.MethodAction}}}
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	stale := c.Clone() // another window's copy
	listID, zID := c.Methods[0].ID, c.Methods[1].ID

	c.Methods[0].Name = "List all" // saved while a run of List goes on
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	run := &model.RunRecord{Connector: "Shop", ConnectorID: c.ID, Method: "List", MethodID: listID, Kind: "method", StartedAt: time.Now()}
	if err := db.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if run.Method != "List all" {
		t.Errorf("the run went under %q, want the method's name now", run.Method)
	}

	c.Methods = c.Methods[:1] // Z deleted, and saved
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Methods = append(c.Methods, model.Method{Name: "W", MethodType: model.MethodAction}) // W added in the next save
	if err := db.SaveConnector(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.Methods[1].ID == zID {
		t.Fatalf("W was given the deleted Z's ID %d", zID)
	}
	if err := db.SaveRun(ctx, &model.RunRecord{Connector: "Shop", ConnectorID: c.ID, Method: "W", MethodID: c.Methods[1].ID, Kind: "method", StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.forgetVersion(stale.ID) // saved over, as after "save again to overwrite"
	if err := db.SaveConnector(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if runs, _ := db.ListMethodRuns(ctx, "Shop", "W"); len(runs) != 1 {
		t.Errorf("W's runs moved: %d left under W", len(runs))
	}
}
