package model_test

import (
	"encoding/json"
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
