package store

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/model"
)

func TestSaveLoad_RoundTrip(t *testing.T) {
	emptyLists := &model.Connector{
		Name: "Empty lists", Authentication: []model.Authentication{}, Parameters: []model.Parameter{},
		Methods: []model.Method{{
			Name: "M", MethodType: model.MethodAction,
			RequestFormat: model.Format{Fields: []model.Field{}}, ResponseFormat: model.Format{Fields: []model.Field{}},
			Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "p", Values: []string{}}},
		}},
	}
	// What the empty lists load as: nil.
	emptyListsLoaded := &model.Connector{
		Name: "Empty lists",
		Methods: []model.Method{{
			Name: "M", MethodType: model.MethodAction,
			Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "p"}},
		}},
	}
	tests := []struct {
		name      string
		save      *model.Connector
		wantEqual *model.Connector // nil: the saved connector itself
	}{
		{"full", fullConnector(), nil},
		{"name only", &model.Connector{Name: "Bare"}, nil},
		{"empty lists load as nil", emptyLists, emptyListsLoaded},
		{"methods with empty fields", &model.Connector{Name: "Blank method", Methods: []model.Method{{}, {Name: "  "}}}, nil},
		// A draft keeps the rate limits lint finds wrong.
		{"rate limits lint finds wrong", &model.Connector{Name: "Odd rates", RateLimit: -1, Methods: []model.Method{
			{Name: "a", RateLimit: math.Inf(1)}, {Name: "b", RateLimit: math.Inf(-1)},
			{Name: "c", RateLimit: math.MaxFloat64}, {Name: "d", RateLimit: 5e-324}, {Name: "e", RateLimit: 1.0 / 3}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "patchbay.db")
			db := mustOpenPath(t, path)
			if err := db.SaveConnector(ctx, tt.save); err != nil {
				t.Fatal(err)
			}
			if tt.save.ID == 0 {
				t.Fatal("SaveConnector did not set the ID")
			}
			want := tt.wantEqual
			if want == nil {
				want = tt.save
			}
			want.ID = tt.save.ID

			// Read back from the file, through a fresh handle.
			db.Close()
			db = mustOpenPath(t, path)
			got, err := db.LoadConnector(ctx, tt.save.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(withoutMethodIDs(got), withoutMethodIDs(want)) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestSaveConnector_Update(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	v1 := fullConnector()
	if err := db.SaveConnector(ctx, v1); err != nil {
		t.Fatal(err)
	}
	id := v1.ID

	v2 := v1.Clone()
	v2.Name = "Renamed Connector"
	v2.Description = "Second version."
	v2.Authentication = v2.Authentication[1:]                                   // drop the first
	v2.Methods[0].Name = "Register Webhook"                                     // rename a method
	v2.Methods[2].CreateWebhookMethod = "Register Webhook"                      // and its reference
	v2.Methods[2].RequestFormat.Fields = v2.Methods[2].RequestFormat.Fields[1:] // remove a field
	v2.Methods[3].ResponseFormat.Fields[0], v2.Methods[3].ResponseFormat.Fields[2] =
		v2.Methods[3].ResponseFormat.Fields[2], v2.Methods[3].ResponseFormat.Fields[0] // reorder fields
	v2.Methods[0], v2.Methods[3] = v2.Methods[3], v2.Methods[0] // reorder methods
	v2.Methods[1].Parameters = append(v2.Methods[1].Parameters,
		model.Parameter{TargetType: model.TargetHttpHeader, TargetName: "X-New", Values: []string{"1"}})
	v2.Parameters[0].Values = []string{"http://changed"}
	v2.RateLimit = 0.5          // the connector row's update
	v2.Methods[1].RateLimit = 0 // cleared
	if err := db.SaveConnector(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if v2.ID != id {
		t.Errorf("ID after update: got %d, want %d", v2.ID, id)
	}
	got, err := db.LoadConnector(ctx, "Renamed Connector")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v2) {
		t.Errorf("after update:\n got %#v\nwant %#v", got, v2)
	}
	if _, err := db.LoadConnector(ctx, v1.Name); model.ErrorCodeOf(err) != model.ENotFound {
		t.Errorf("old name after rename: got %v, want ENotFound", err)
	}

	// No rows of the first version are left behind. (Fields and method
	// parameters are packed on their method's row.)
	wantParams := len(v2.Parameters)
	counts := []struct {
		table string
		want  int
	}{
		{"connectors", 1},
		{"auth_methods", len(v2.Authentication)},
		{"methods", len(v2.Methods)},
		{"parameters", wantParams},
	}
	for _, c := range counts {
		if n := countRows(t, db, c.table, "1"); n != c.want {
			t.Errorf("%s rows: got %d, want %d", c.table, n, c.want)
		}
	}
}

// TestSaveConnector_FailureKeepsPrevious makes the second save of a
// connector fail part way through, with a trigger that aborts one insert,
// and checks that the first version is still there, whole.
func TestSaveConnector_FailureKeepsPrevious(t *testing.T) {
	tests := []struct {
		name    string
		trigger string                   // the failure, as SQL
		change  func(c *model.Connector) // the change that meets it
	}{
		{
			"connector row",
			`CREATE TRIGGER boom BEFORE UPDATE ON connectors WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Description = "boom" },
		},
		{
			"second auth method",
			`CREATE TRIGGER boom BEFORE INSERT ON auth_methods WHEN NEW.auth_name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Authentication[1].AuthName = "boom" },
		},
		{
			"third method",
			`CREATE TRIGGER boom BEFORE INSERT ON methods WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Methods[2].Name = "boom" },
		},
		{
			// Fields are packed on their method's row: the failure is that
			// row's insert, met because of the field.
			"last response field",
			`CREATE TRIGGER boom BEFORE INSERT ON methods WHEN NEW.response_fields LIKE '%"boom"%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Methods[3].ResponseFormat.Fields[2].ConnectorField = "boom" },
		},
		{
			"method parameter",
			`CREATE TRIGGER boom BEFORE INSERT ON methods WHEN NEW.parameters LIKE '%"boom"%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Methods[2].Parameters[1].TargetName = "boom" },
		},
		{
			"connector parameter",
			`CREATE TRIGGER boom BEFORE INSERT ON parameters WHEN NEW.target_name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			func(c *model.Connector) { c.Parameters[len(c.Parameters)-1].TargetName = "boom" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpen(t)
			v1 := fullConnector()
			if err := db.SaveConnector(ctx, v1); err != nil {
				t.Fatal(err)
			}
			if _, err := db.db.Exec(tt.trigger); err != nil {
				t.Fatal(err)
			}
			v2 := v1.Clone()
			v2.Script = "changed before the failure"
			v2.Methods[0].Name = "Changed too"
			tt.change(v2)
			err := db.SaveConnector(ctx, v2)
			if err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("SaveConnector: got %v, want the injected failure", err)
			}
			got, err := db.LoadConnector(ctx, v1.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, v1) {
				t.Errorf("after a failed save:\n got %#v\nwant %#v", got, v1)
			}
		})
	}
}

func TestSaveConnector_NewFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	// The methods are the last rows a save writes.
	if _, err := db.db.Exec(`CREATE TRIGGER boom BEFORE INSERT ON methods BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	c := fullConnector()
	if err := db.SaveConnector(ctx, c); err == nil {
		t.Fatal("SaveConnector: got no error, want the injected failure")
	}
	if c.ID != 0 {
		t.Errorf("ID after a failed insert: got %d, want 0", c.ID)
	}
	for _, table := range []string{"connectors", "auth_methods", "methods", "parameters"} {
		if n := countRows(t, db, table, "1"); n != 0 {
			t.Errorf("%s has %d rows after a failed insert", table, n)
		}
	}
}

func TestSaveConnector_Errors(t *testing.T) {
	tests := []struct {
		name string
		c    func(existing, other *model.Connector) *model.Connector
		want model.ErrorCode
	}{
		{"new with a taken name", func(_, other *model.Connector) *model.Connector {
			return &model.Connector{Name: other.Name}
		}, model.EConflict},
		{"rename to a taken name", func(existing, other *model.Connector) *model.Connector {
			c := existing.Clone()
			c.Name = other.Name
			return c
		}, model.EConflict},
		{"no name", func(_, _ *model.Connector) *model.Connector {
			return &model.Connector{Name: " "}
		}, model.EInvalid},
		{"nil", func(_, _ *model.Connector) *model.Connector { return nil }, model.EInvalid},
		{"unknown ID", func(_, _ *model.Connector) *model.Connector {
			return &model.Connector{ID: 999, Name: "Ghost"}
		}, model.ENotFound},
		// SQLite would store NaN as NULL.
		{"connector rate limit NaN", func(existing, _ *model.Connector) *model.Connector {
			c := existing.Clone()
			c.RateLimit = math.NaN()
			return c
		}, model.EInvalid},
		{"method rate limit NaN", func(_, _ *model.Connector) *model.Connector {
			return &model.Connector{Name: "New", Methods: []model.Method{{Name: "Ping", RateLimit: math.NaN()}}}
		}, model.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpen(t)
			existing, other := fullConnector(), &model.Connector{Name: "Other"}
			for _, c := range []*model.Connector{existing, other} {
				if err := db.SaveConnector(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			c := tt.c(existing, other)
			var idBefore int64
			if c != nil {
				idBefore = c.ID
			}
			err := db.SaveConnector(ctx, c)
			wantCode(t, err, tt.want)
			if c != nil && c.ID != idBefore {
				t.Errorf("ID changed on error: got %d, want %d", c.ID, idBefore)
			}
			for _, want := range []*model.Connector{existing, other} {
				got, err := db.LoadConnector(ctx, want.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%q changed by a refused save", want.Name)
				}
			}
		})
	}
}

func TestSaveConnector_RateLimitNaNMessage(t *testing.T) {
	db := MustOpen(t)
	c := &model.Connector{Name: "Rates", Methods: []model.Method{{Name: "Ping"}, {Name: "Pong", RateLimit: math.NaN()}}}
	err := db.SaveConnector(context.Background(), c)
	const want = `save connector "Rates": the Rate Limit of method "Pong" is not a number: give one, or 0 for none`
	if err == nil || err.Error() != want {
		t.Errorf("SaveConnector: got %v, want %s", err, want)
	}
}

func TestLoadConnector_NotFound(t *testing.T) {
	db := MustOpen(t)
	_, err := db.LoadConnector(context.Background(), "No Such Thing")
	wantCode(t, err, model.ENotFound)
	if !strings.Contains(err.Error(), `"No Such Thing"`) {
		t.Errorf("error %q does not name the connector", err)
	}
}

func TestListConnectors(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	start := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	db.now = fakeClock(start)
	if list, err := db.ListConnectors(ctx); err != nil || list != nil {
		t.Fatalf("empty list: got %v, %v; want nil, nil", list, err)
	}
	for _, c := range []*model.Connector{
		{Name: "beta", Methods: []model.Method{
			{Name: "b2", MethodType: model.MethodScript},
			{Name: "b1", MethodType: model.MethodWebhook, Hide: true},
		}},
		{Name: "Alpha", Methods: []model.Method{{Name: "a1", MethodType: model.MethodAction}}},
		{Name: "gamma"},
	} {
		if err := db.SaveConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ListConnectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.ConnectorSummary{
		{ID: 2, Name: "Alpha", UpdatedAt: start.Add(1 * time.Second),
			Methods: []model.MethodSummary{{Name: "a1", MethodType: model.MethodAction}}},
		{ID: 1, Name: "beta", UpdatedAt: start,
			Methods: []model.MethodSummary{
				{Name: "b2", MethodType: model.MethodScript},
				{Name: "b1", MethodType: model.MethodWebhook, Hide: true},
			}},
		{ID: 3, Name: "gamma", UpdatedAt: start.Add(2 * time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListConnectors:\n got %+v\nwant %+v", got, want)
	}
}

func TestDeleteConnector_Cascades(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	doomed, kept := fullConnector(), fullConnector()
	kept.Name = "Kept"
	for _, c := range []*model.Connector{doomed, kept} {
		if err := db.SaveConnector(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAccountValues(ctx, c.Name, map[string]string{"BaseName": "v"}); err != nil {
			t.Fatal(err)
		}
	}
	hook := &model.WebhookRecord{Connector: doomed.Name, Method: "New Order", WebhookID: "42"}
	if err := db.RecordWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	run := &model.RunRecord{Connector: doomed.Name, Method: "New Order", Kind: "webhook", StartedAt: time.Now()}
	if err := db.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	before := map[string]int{}
	tables := []string{"connectors", "auth_methods", "methods", "parameters", "account_values"}
	for _, table := range tables {
		before[table] = countRows(t, db, table, "1")
	}

	if err := db.DeleteConnector(ctx, doomed.Name); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if got, want := countRows(t, db, table, "1"), before[table]/2; got != want {
			t.Errorf("%s rows after delete: got %d, want %d (the other connector's)", table, got, want)
		}
	}
	if _, err := db.LoadConnector(ctx, doomed.Name); model.ErrorCodeOf(err) != model.ENotFound {
		t.Errorf("load after delete: got %v, want ENotFound", err)
	}
	if got, err := db.LoadConnector(ctx, kept.Name); err != nil || !reflect.DeepEqual(got, kept) {
		t.Errorf("the other connector changed: %v", err)
	}
	// The ledger and the history name connectors by text and outlive them.
	if pending, err := db.ListWebhooks(ctx, true); err != nil || len(pending) != 1 || pending[0].ID != hook.ID {
		t.Errorf("pending webhooks after delete: got %+v, %v", pending, err)
	}
	if runs, err := db.ListRuns(ctx, doomed.Name, 0); err != nil || len(runs) != 1 {
		t.Errorf("runs after delete: got %+v, %v", runs, err)
	}
	wantCode(t, db.DeleteConnector(ctx, doomed.Name), model.ENotFound)
}
