package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"patchbay/model"
	"patchbay/model/modeltest"
)

// The benchmarks below use the generated connector of
// modeltest.BenchMethods methods with modeltest.BenchFields fields each,
// in a real database file under b.TempDir(). ns/op, B/op and allocs/op are
// Patchbay's own operation; the baseline beside it (modeltest.Beside) is
// reported as <baseline>-ns/op and the ratio.

// benchConnector opens a new database holding the generated connector and
// returns it with the connector as saved (its ID set).
func benchConnector(b *testing.B) (*DB, *model.Connector) {
	b.Helper()
	db := MustOpen(b)
	c := modeltest.Connector(modeltest.BenchMethods, modeltest.BenchFields)
	if err := db.SaveConnector(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	return db, c
}

// BenchmarkLoad measures LoadConnector on an open database, beside the
// floor: plain database/sql SELECTs of the same rows (connector,
// authentication, parameters, methods with their packed fields and
// parameters), each column scanned into a
// Go value, with no model built (select-ns/op, load/select).
func BenchmarkLoad(b *testing.B) {
	db, c := benchConnector(b)
	ctx := context.Background()
	got, err := db.LoadConnector(ctx, c.Name)
	if err != nil {
		b.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		b.Fatal("the generated connector does not load as it was saved")
	}
	want := 1 + len(c.Authentication) + len(c.Parameters) + len(c.Methods)
	if rows, err := selectRows(ctx, db.db, c.ID); err != nil || rows != want {
		b.Fatalf("the plain SELECTs read %d rows (%v), want all %d", rows, err, want)
	}
	modeltest.Beside(b, "select", "load/select", func() error {
		_, err := db.LoadConnector(ctx, c.Name)
		return err
	}, func() error {
		_, err := selectRows(ctx, db.db, c.ID)
		return err
	})
}

// selectRows reads every stored row of connector id with plain SELECTs and
// returns how many there were.
func selectRows(ctx context.Context, db *sql.DB, id int64) (int, error) {
	var (
		s      [8]string
		b      [5]bool
		n1, nr int64
	)
	queries := []struct {
		q    string
		dest []any
	}{
		{`SELECT id, name, description, api_version, script FROM connectors WHERE id = ?`,
			[]any{&n1, &s[0], &s[1], &s[2], &s[3]}},
		{`SELECT auth_name, auth_type, api_key_header, api_key_query_parameter, is_default
			FROM auth_methods WHERE connector_id = ?`,
			[]any{&s[0], &s[1], &s[2], &s[3], &b[0]}},
		{`SELECT id, name, description, category, method_type, http_method, data_type,
			endpoint, ignore_authentication, hide, create_webhook_method, delete_webhook_method, script,
			sig_header, sig_algorithm, sig_encoding, sig_prefix, sig_secret_parameter, sig_secret_response_field,
			request_fields, response_fields, parameters
			FROM methods WHERE connector_id = ?`,
			[]any{&n1, &s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6], &b[0], &b[1], &s[7], &s[0], &s[1],
				&s[2], &s[3], &s[4], &s[5], &s[6], &s[7], &s[0], &s[1], &s[2]}},
		{`SELECT target_type, target_name, display_name, description, is_hidden, is_optional,
			is_sensitive, is_account_connector_property, is_multiline, values_json
			FROM parameters WHERE connector_id = ?`,
			[]any{&s[0], &s[1], &s[2], &s[3], &b[0], &b[1], &b[2], &b[3], &b[4], &s[4]}},
	}
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, q.q, id)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			if err := rows.Scan(q.dest...); err != nil {
				rows.Close()
				return 0, err
			}
			nr++
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	return int(nr), nil
}

// BenchmarkSave measures SaveConnector replacing the stored generated
// connector with itself (update the row, delete and re-insert every
// authentication, parameter, method and field, commit with
// synchronous=FULL). The baseline is the floor of a durable write of the
// same data: the connector's export document written as one row in one
// transaction of the same database (blob-ns/op, save/blob).
func BenchmarkSave(b *testing.B) {
	db, c := benchConnector(b)
	ctx := context.Background()
	doc, err := model.Export(c, model.ExportOptions{IncludeSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE bench_documents (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	modeltest.Beside(b, "blob", "save/blob", func() error {
		return db.SaveConnector(ctx, c)
	}, func() error {
		return writeBlob(ctx, db.db, doc)
	})
	if got, err := db.LoadConnector(ctx, c.Name); err != nil || !reflect.DeepEqual(got, c) {
		b.Fatalf("after saving, the connector does not load as it was saved (%v)", err)
	}
}

// writeBlob replaces the one row of bench_documents with doc.
func writeBlob(ctx context.Context, db *sql.DB, doc []byte) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO bench_documents (id, doc) VALUES (1, ?)`, string(doc)); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkOpenAndLoad measures what starting the designer on a database
// costs before the connector can be shown: Open (header check, connection,
// migrations check), LoadConnector and Close. The baseline is keeping the
// connector as a JSON file instead: os.ReadFile of its export document and
// json.Unmarshal into a model.Connector (jsonfile-ns/op, openload/jsonfile).
func BenchmarkOpenAndLoad(b *testing.B) {
	db, c := benchConnector(b)
	path := db.Path()
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	doc, err := model.Export(c, model.ExportOptions{IncludeSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	docPath := filepath.Join(b.TempDir(), "connector.json")
	if err := os.WriteFile(docPath, doc, 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	modeltest.Beside(b, "jsonfile", "openload/jsonfile", func() error {
		db, err := Open(path)
		if err != nil {
			return err
		}
		if _, err := db.LoadConnector(ctx, c.Name); err != nil {
			db.Close()
			return err
		}
		return db.Close()
	}, func() error {
		data, err := os.ReadFile(docPath)
		if err != nil {
			return err
		}
		var back model.Connector
		return json.Unmarshal(data, &back)
	})
}
