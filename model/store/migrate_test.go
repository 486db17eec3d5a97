package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"patchbay/model"
)

// TestMigrate_FromVersion1 makes a database with only the first migration,
// writes a connector into it by hand in the version 1 shape, and opens it
// with the full store.
func TestMigrate_FromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openAt(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, old, "sqlite_schema", "type = 'table' AND name = 'account_values'"); n != 0 {
		t.Fatalf("a version 1 database has account_values already")
	}
	for _, q := range []string{
		`INSERT INTO connectors (id, name, description, api_version, script, updated_at)
		 VALUES (7, 'Legacy', 'Made by v1.', '2', 'function x() {}', '2024-05-06T07:08:09.000000000Z')`,
		`INSERT INTO auth_methods (connector_id, position, auth_name, auth_type, api_key_header, is_default)
		 VALUES (7, 0, 'Key', 'ApiKey', 'X-Key', 1)`,
		`INSERT INTO parameters (connector_id, position, target_type, target_name, is_account_connector_property, values_json)
		 VALUES (7, 0, 'MergeField', 'BaseUrl', 1, '["http://old"]')`,
		`INSERT INTO methods (id, connector_id, position, name, method_type, http_method, data_type, endpoint)
		 VALUES (70, 7, 1, 'Second', 'Action', 'GET', 'Json', '{{BaseUrl}}/b'),
		        (71, 7, 0, 'First', 'Action', 'POST', 'Json', '{{BaseUrl}}/a')`,
		`INSERT INTO fields (method_id, format, position, connector_field, system_field, data_type)
		 VALUES (71, 'response', 1, 'name', 'Name', 'Text'),
		        (71, 'response', 0, 'id', 'Id', 'Integer'),
		        (71, 'request', 0, 'q', 'Q', 'Text')`,
		// A field whose every column is set, with text that JSON must escape.
		`INSERT INTO fields (method_id, format, position, connector_field, system_field, display_name,
			description, data_type, is_hidden, is_optional, default_value)
		 VALUES (71, 'request', 1, 'meta.\x.attrs\.name', 'Attr', 'Say "hi"',
			'line 1' || char(10) || 'line 2' || char(9) || char(1) || ' é ☃ 🎉 [],', 'Object', 1, 1, '{{Subdomain}}')`,
		`INSERT INTO parameters (method_id, position, target_type, target_name, values_json)
		 VALUES (70, 0, 'QueryString', 'limit', '["10","20"]')`,
		// A method parameter whose every column is set, with text that JSON must escape.
		`INSERT INTO parameters (method_id, position, target_type, target_name, display_name, description,
			is_hidden, is_optional, is_sensitive, is_account_connector_property, is_multiline, values_json)
		 VALUES (70, 1, 'HttpHeader', 'X-"Key"', 'Key ☃', 'a\b' || char(10), 1, 1, 1, 1, 1, '["\u00e9\"", "", "<&>"]')`,
	} {
		if _, err := old.db.Exec(q); err != nil {
			t.Fatalf("v1 insert: %v\n%s", err, q)
		}
	}
	old.Close()

	db := mustOpenPath(t, path)
	if db.Created() {
		t.Error("Created() on a migrated database: got true, want false")
	}
	got, err := db.LoadConnector(ctx, "Legacy")
	if err != nil {
		t.Fatal(err)
	}
	want := &model.Connector{
		ID: 7, Name: "Legacy", Description: "Made by v1.", ApiVersion: "2", Script: "function x() {}",
		Authentication: []model.Authentication{{AuthName: "Key", AuthType: model.AuthApiKey, ApiKeyHeader: "X-Key", IsDefault: true}},
		Parameters: []model.Parameter{{TargetType: model.TargetMergeField, TargetName: "BaseUrl",
			IsAccountConnectorProperty: true, Values: []string{"http://old"}}},
		Methods: []model.Method{
			{Name: "First", MethodType: model.MethodAction, HttpMethod: "POST", DataType: model.BodyJson, Endpoint: "{{BaseUrl}}/a",
				RequestFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "q", SystemField: "Q", DataType: model.FieldText},
					{ConnectorField: `meta.\x.attrs\.name`, SystemField: "Attr", DisplayName: `Say "hi"`,
						Description: "line 1\nline 2\t\x01 é ☃ 🎉 [],", DataType: model.FieldObject,
						IsHidden: true, IsOptional: true, DefaultValue: "{{Subdomain}}"},
				}},
				ResponseFormat: model.Format{Fields: []model.Field{
					{ConnectorField: "id", SystemField: "Id", DataType: model.FieldInteger},
					{ConnectorField: "name", SystemField: "Name", DataType: model.FieldText},
				}}},
			{Name: "Second", MethodType: model.MethodAction, HttpMethod: "GET", DataType: model.BodyJson, Endpoint: "{{BaseUrl}}/b",
				Parameters: []model.Parameter{
					{TargetType: model.TargetQueryString, TargetName: "limit", Values: []string{"10", "20"}},
					{TargetType: model.TargetHttpHeader, TargetName: `X-"Key"`, DisplayName: "Key ☃", Description: "a\\b\n",
						IsHidden: true, IsOptional: true, IsSensitive: true, IsAccountConnectorProperty: true, IsMultiline: true,
						Values: []string{`é"`, "", "<&>"}},
				}},
		},
	}
	if !reflect.DeepEqual(withoutMethodIDs(got), want) {
		t.Errorf("migrated connector:\n got %+v\nwant %+v", got, want)
	}
	list, err := db.ListConnectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].UpdatedAt.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("ListConnectors: got %+v", list)
	}

	// The tables of migration 2 work.
	if err := db.SetAccountValues(ctx, "Legacy", map[string]string{"BaseUrl": "http://new"}); err != nil {
		t.Fatal(err)
	}
	if vals, err := db.AccountValues(ctx, "Legacy"); err != nil || vals["BaseUrl"] != "http://new" {
		t.Errorf("AccountValues: got %v, %v", vals, err)
	}
	rec := &model.WebhookRecord{Connector: "Legacy", Method: "Hook", WebhookID: "1", URL: "http://x"}
	if err := db.RecordWebhook(ctx, rec); err != nil {
		t.Fatal(err)
	}
	run := &model.RunRecord{Connector: "Legacy", Method: "First", Kind: "method", StartedAt: time.Now(), OK: true}
	if err := db.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if runs, err := db.ListRuns(ctx, "Legacy", 0); err != nil || len(runs) != 1 {
		t.Errorf("ListRuns: got %v, %v", runs, err)
	}
	if n, want := countRows(t, db, "schema_migrations", "1"), mustMigrations(t); n != want {
		t.Errorf("schema_migrations rows: got %d, want %d", n, want)
	}
	// Migration 4 moved the fields and method parameters onto their
	// methods' rows.
	if n := countRows(t, db, "sqlite_schema", "type = 'table' AND name = 'fields'"); n != 0 {
		t.Errorf("the fields table is still there after migration 4")
	}
	if n := countRows(t, db, "parameters", "1"); n != 1 {
		t.Errorf("parameters rows after migration 4: got %d, want the connector's 1", n)
	}

	// The columns of migration 3 work: a signature check saved on a
	// migrated connector comes back.
	got.Methods[1].WebhookSignature = model.SignatureCheck{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", SecretParameter: "BaseUrl"}
	if err := db.SaveConnector(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := db.LoadConnector(ctx, "Legacy")
	if err != nil || again.Methods[1].WebhookSignature != got.Methods[1].WebhookSignature {
		t.Errorf("signature after migration: got %+v, %v", again.Methods[1].WebhookSignature, err)
	}
}

// TestMigrate_LedgerFromVersion4 opens a version 4 database holding a
// pending ledger row: migration 5 gives the row an empty Delete Webhook
// Method, and new rows keep theirs.
func TestMigrate_LedgerFromVersion4(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v4.db")
	old, err := openAt(ctx, path, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.Exec(`INSERT INTO webhook_ledger (connector, method, webhook_id, url, created_at, last_error)
		VALUES ('Webhook Example', 'New Order', '7', 'http://127.0.0.1:9000/hooks/a', '2025-01-02T03:04:05.000000000Z', 'DELETE answered 503')`); err != nil {
		t.Fatalf("v4 insert: %v", err)
	}
	old.Close()

	db := mustOpenPath(t, path)
	rec := &model.WebhookRecord{Connector: "Webhook Example", Method: "New Order", DeleteMethod: "Delete Webhook", WebhookID: "8", URL: "http://u"}
	if err := db.RecordWebhook(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rows, err := db.ListWebhooks(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("pending rows: got %+v, want 2", rows)
	}
	if r := rows[0]; r.WebhookID != "8" || r.DeleteMethod != "Delete Webhook" {
		t.Errorf("new row: got %+v, want DeleteMethod \"Delete Webhook\"", r)
	}
	if r := rows[1]; r.WebhookID != "7" || r.Method != "New Order" || r.DeleteMethod != "" || r.LastError != "DELETE answered 503" || !r.Pending() {
		t.Errorf("version 4 row: got %+v, want it pending as it was, with no DeleteMethod", r)
	}
}

// TestMigrate_RateLimitsFromVersion5 opens a version 5 database holding a
// connector with a method: migration 6 gives both a Rate Limit of 0 (none,
// and the connector's), and rate limits saved afterwards come back.
func TestMigrate_RateLimitsFromVersion5(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	old, err := openAt(ctx, path, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO connectors (id, name, updated_at) VALUES (5, 'Before Rates', '2025-06-07T08:09:10.000000000Z')`,
		`INSERT INTO methods (connector_id, position, name, method_type, http_method, endpoint)
		 VALUES (5, 0, 'Ping', 'Action', 'GET', 'https://x.test/ping')`,
	} {
		if _, err := old.db.Exec(q); err != nil {
			t.Fatalf("v5 insert: %v\n%s", err, q)
		}
	}
	old.Close()

	db := mustOpenPath(t, path)
	got, err := db.LoadConnector(ctx, "Before Rates")
	if err != nil {
		t.Fatal(err)
	}
	want := &model.Connector{ID: 5, Name: "Before Rates", Methods: []model.Method{
		{Name: "Ping", MethodType: model.MethodAction, HttpMethod: "GET", Endpoint: "https://x.test/ping"}}}
	if !reflect.DeepEqual(withoutMethodIDs(got), want) {
		t.Errorf("version 5 connector:\n got %+v\nwant %+v", got, want)
	}

	got.RateLimit, got.Methods[0].RateLimit = 0.5, 4
	if err := db.SaveConnector(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := db.LoadConnector(ctx, "Before Rates")
	if err != nil {
		t.Fatal(err)
	}
	if again.RateLimit != 0.5 || again.Methods[0].RateLimit != 4 {
		t.Errorf("rate limits after migration: got %v and %v, want 0.5 and 4", again.RateLimit, again.Methods[0].RateLimit)
	}
}

// TestMigrate_StopsAtFailure checks that a migration that fails
// leaves the ones before it applied and itself not recorded.
func TestMigrate_StopsAtFailure(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := openAt(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A table in the way of migration 2 makes it fail part way through.
	if _, err := db.db.Exec(`CREATE TABLE runs (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(path); err == nil {
		db.Close()
		t.Fatal("Open: got no error, want migration 2 to fail")
	}
	db, err = openAt(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countRows(t, db, "schema_migrations", "1"); n != 1 {
		t.Errorf("schema_migrations rows: got %d, want 1", n)
	}
	if n := countRows(t, db, "sqlite_schema", "name = 'account_values'"); n != 0 {
		t.Errorf("account_values exists: migration 2 was applied in part")
	}
}

// mustMigrations counts the embedded migrations.
func mustMigrations(t *testing.T) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}
