package model_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"patchbay/model"
	"patchbay/model/modeltest"
)

// BenchmarkExportImport measures Export and then Import of the generated
// 500-method × 20-field connector (ns/op, B/op and allocs/op are that round
// trip alone). Beside it (modeltest.Beside) it measures a floor:
// encoding/json Marshal and Unmarshal of the same struct, with no
// indentation, secret stripping, checking or lint. It reports the round
// trip's CPU time (cpu-ns/op), export-ns/op and import-ns/op, json-ns/op and
// the ratio exportimport/json.
func BenchmarkExportImport(b *testing.B) {
	c := modeltest.Connector(modeltest.BenchMethods, modeltest.BenchFields)
	opts := model.ExportOptions{IncludeSecrets: true}
	data, err := model.Export(c, opts)
	if err != nil {
		b.Fatal(err)
	}
	if got, err := model.Import(data); err != nil {
		b.Fatal(err)
	} else if !reflect.DeepEqual(got, c) {
		b.Fatal("the generated connector does not survive Export and Import")
	}
	b.SetBytes(int64(len(data)))
	var export, imp time.Duration
	modeltest.Beside(b, "json", "exportimport/json", func() error {
		t0 := time.Now()
		data, err := model.Export(c, opts)
		if err != nil {
			return err
		}
		t1 := time.Now()
		_, err = model.Import(data)
		export += t1.Sub(t0)
		imp += time.Since(t1)
		return err
	}, func() error {
		raw, err := json.Marshal(c)
		if err != nil {
			return err
		}
		var back model.Connector
		return json.Unmarshal(raw, &back)
	})
	b.ReportMetric(float64(export.Nanoseconds())/float64(b.N), "export-ns/op")
	b.ReportMetric(float64(imp.Nanoseconds())/float64(b.N), "import-ns/op")
}

// manySecrets is the generated benchmark connector with 500 Sensitive
// values more, and account values with two secrets.
func manySecrets() (*model.Connector, map[string]string) {
	c := modeltest.Connector(modeltest.BenchMethods, modeltest.BenchFields)
	for i := range 500 {
		c.Parameters = append(c.Parameters, model.Parameter{TargetType: model.TargetHttpHeader, TargetName: fmt.Sprintf("X-Secret-%d", i),
			IsSensitive: true, Values: []string{fmt.Sprintf("sk_%04d_a8f3b2c1d9e7", i)}})
	}
	return c, map[string]string{model.SystemFieldAuthAPIKey: "sk_live_account_key_0001", model.SystemFieldAuthPassword: "correct horse battery"}
}

// BenchmarkExportSecretCheck measures Export as the command line and the
// window run it, with the account and without IncludeSecrets, so that the
// document is searched for every secret it must not hold (secretsLeftIn),
// beside Export with IncludeSecrets, which skips the search, for the
// generated connector with 500 Sensitive values more and an account: the
// ratio is what the search costs.
func BenchmarkExportSecretCheck(b *testing.B) {
	c, account := manySecrets()
	checked := model.ExportOptions{Account: account}
	if _, err := model.Export(c, checked); err != nil {
		b.Fatal(err)
	}
	modeltest.Beside(b, "unchecked", "checked/unchecked", func() error {
		_, err := model.Export(c, checked)
		return err
	}, func() error {
		_, err := model.Export(c, model.ExportOptions{IncludeSecrets: true})
		return err
	})
}

// BenchmarkSecretsWritten measures the search for secrets written into the
// connector that the window runs with lint after each edit, beside lint
// itself, for the generated connector with 500 Sensitive values more and
// an account: the ratio is what the search adds to a lint.
func BenchmarkSecretsWritten(b *testing.B) {
	c, account := manySecrets()
	if fs := model.SecretsWritten(c, account); len(fs) != 0 {
		b.Fatalf("the generated connector holds secrets: %v", fs)
	}
	modeltest.Beside(b, "lint", "secrets/lint", func() error {
		model.SecretsWritten(c, account)
		return nil
	}, func() error {
		model.Lint(c)
		return nil
	})
}
